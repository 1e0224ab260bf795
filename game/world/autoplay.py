"""Whole runs played by a scripted hero: the real game, no screen.

The run is the one `play` builds (floors, moving, monsters that wake and
chase, items), and every battle goes through `Battle`, turn by turn, with any
`Resolver` beside the rules and trust on or off, exactly as a player's
battles do. Two heroes:

- careful: explores each floor whole, rests before it fights or descends,
  drinks potions between fights, heals early in battle and flees a fight it
  is losing (`tactics.careful_action`);
- reckless: dives for the stairs, never rests or flees, and fights as the
  data generator's scripted hero does (`tactics.hero_action`).

`play` returns a `RunResult`: the run's seed, whether it was won, how deep
it went, and for the model: the turns it was asked, the turns where its
answer differed from the rules', and the turns its state drove. The issue's
whole-run measure counts runs where every turn was asked, matched the rules
and (with trust) drove the game.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from game.combat.content import Content, default
from game.combat.encounter import HERO, Action
from game.combat.resolver import Resolver
from game.world import dungeon, fight, search, tactics
from game.world.battle import Battle
from game.world.run import Run

POLICIES = ("careful", "reckless", "search", "advisor")
Chooser = Callable[[Battle], Action]  # the hero's action in a battle (a specialist's, the search's)
MAX_ACTIONS = 20000  # map actions in one run, a guard against a hero that wanders forever
MAX_TURNS = 300  # turns in one battle


@dataclass
class RunResult:
    seed: int
    policy: str
    won: bool
    depth: int  # the deepest floor reached
    level: int
    kills: int
    battles: int
    fled: int  # battles the hero ran from
    turns: int  # combat turns, the monsters' included
    asked: int  # turns the model answered
    divergent: int  # turns where its answer was not the rules' (unusable ones included)
    driven: int  # turns whose next state was the model's
    moves: int
    cause: str | None
    stalled: bool = False  # stopped by MAX_ACTIONS, neither won nor dead
    fights: list[dict] = field(default_factory=list)  # per battle: run.summary's dict
    # per battle, what a player feels: the hero's hp at its start less at its
    # end, and the hero's own turns (the keys a person would press)
    hp_lost: list[int] = field(default_factory=list)
    hero_turns: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Every turn asked and matching the rules (the whole-run measure)."""
        return self.turns > 0 and self.asked == self.turns and self.divergent == 0

    @property
    def model_drove(self) -> bool:
        """Every turn's next state was the model's."""
        return self.turns > 0 and self.driven == self.turns

    def to_dict(self) -> dict:
        return asdict(self) | {"clean": self.clean, "model_drove": self.model_drove}


def searching(battle: Battle) -> Action:
    """The teacher's own choice (game/world/search.py): slow, the strongest."""
    return search.best(battle.encounter, battle.potions, battle.content, seed=len(battle.turns)).action


def play_battle(run: Run, battle: Battle, policy: str, trust: bool, chooser: Chooser | None = None) -> None:
    """Play `battle` to its end with the scripted hero of `policy`; a
    `chooser` picks the careful hero's actions instead (it still runs as
    the careful hero does: the chooser is not asked to flee)."""
    content = run.content
    for _ in range(MAX_TURNS):
        if battle.over:
            return
        if not battle.hero_to_act:
            battle.play_monster(trust)
            continue
        if policy != "reckless":
            odds = fight.flee_odds(battle.encounter, content)
            action = tactics.careful_action(battle.encounter, battle.potions, content, odds.chance, odds.blow[1])
            if action == tactics.FLEE:
                run.flee()
                continue
            if chooser and not battle.stunned:
                action = chooser(battle)
        else:
            action = tactics.hero_action(battle.encounter, battle.rng, battle.potions, content)
        battle.play(action, trust)


class Hero:
    """The scripted hero on the map: one decision at a time."""

    def __init__(self, run: Run, policy: str):
        if policy not in POLICIES:
            raise ValueError(f"unknown policy {policy!r}: one of {', '.join(POLICIES)}")
        self.run = run
        self.policy = policy
        self.careful = policy != "reckless"
        self.quarry: tuple[int, tuple[int, int]] | None = None  # (monster id, where it was last seen)

    def act(self):
        """One decision on the map; returns the battle it begins, if any."""
        run, floor = self.run, self.run.floor
        hero = run.hero_template()
        rested = run.hp >= hero.max_hp and run.mp >= hero.max_mp
        hunting = [m for m in run.in_sight() if m.lost == 0]
        trailing = [m for m in run.in_sight() if m.lost > 0]  # the monsters of a fight it fled
        if self.careful and run.hp < hero.max_hp * 0.5 and (trailing or any(m.awake for m in hunting)):
            for kind in ("healing_potion", "regen_potion"):
                if run.potions.get(kind, 0) > 0 and run.drink(kind):
                    return None
        stairs = dungeon.stairs(floor)
        if trailing and self.careful:
            return self.escape(trailing, stairs)
        blocked = {m.pos for m in floor.monsters}
        steps = dungeon.path(floor, run.pos, {m.pos for m in hunting}, blocked) if hunting else []
        if steps:
            if self.careful and not rested and not any(m.awake for m in hunting):
                return run.wait()  # a sleeping monster: get ready first
            target = floor.monster_at(steps[-1])
            self.quarry = (target.id, target.pos)
            return run.move(steps[0][0] - run.pos[0], steps[0][1] - run.pos[1])
        if self.quarry:  # it went out of sight: go where it was last seen
            ident, seen_at = self.quarry
            if run.pos == seen_at or all(m.id != ident for m in floor.monsters):
                self.quarry = None
            else:
                return self.walk_to({seen_at})
        if self.careful or stairs is None:
            step = run.explore_step()
            if step:
                return run.move(*step)
        if floor.last:
            boss = [m.pos for m in floor.monsters if run.content.monsters[m.kind].boss]
            return self.walk_to(set(boss or [m.pos for m in floor.monsters]))
        if stairs is None:
            return run.wait()
        if run.pos != stairs:
            return run.travel(stairs)
        if self.careful and not rested:
            return run.rest()
        run.descend()
        return None

    def walk_to(self, goals: set) -> object:
        run = self.run
        steps = dungeon.path(run.floor, run.pos, goals, {m.pos for m in run.floor.monsters})
        if not steps:
            self.quarry = None
            return run.wait()
        return run.move(steps[0][0] - run.pos[0], steps[0][1] - run.pos[1])

    def escape(self, trailing: list, stairs) -> object:
        """Away from the monsters it fled: down the stairs if it knows them."""
        run = self.run
        if stairs is not None:
            if run.pos == stairs:
                run.descend()
                return None
            return self.walk_to({stairs})
        far = max(dungeon.NEIGHBOURS, key=lambda d: min(
            max(abs(run.pos[0] + d[0] - m.x), abs(run.pos[1] + d[1] - m.y)) for m in trailing)
            if run.floor.walkable((run.pos[0] + d[0], run.pos[1] + d[1]))
            and not run.floor.monster_at((run.pos[0] + d[0], run.pos[1] + d[1])) else -1)
        return run.move(*far)


def play(seed: int, policy: str = "careful", model: Resolver | None = None, trust: bool = False,
         content: Content | None = None, on_battle: Callable[[Run, Battle], str | None] | None = None,
         chooser: Chooser | None = None) -> RunResult:
    """One whole run from floor 1 to death, the boss, or MAX_ACTIONS.
    `on_battle(run, battle)` is called as each battle ends, and may return
    where it saved the battle (kept in the run's record)."""
    return play_run(seed, policy, model, trust, content, on_battle, chooser)[0]


def play_run(seed: int, policy: str = "careful", model: Resolver | None = None, trust: bool = False,
             content: Content | None = None, on_battle: Callable[[Run, Battle], str | None] | None = None,
             chooser: Chooser | None = None, tactician: Callable[[Battle], Action | None] | None = None,
             hero_class: str | None = None) -> tuple[RunResult, Run]:
    """`play`, and the finished run itself (for its morgue file). The
    search policy brings its own chooser; the advisor's is given."""
    content = content or default()
    if policy == "search":
        chooser = chooser or searching
    if policy == "advisor" and chooser is None:
        raise ValueError("the advisor policy needs the advisor (a chooser)")
    run = Run.new(seed, content, hero_class)
    hero = Hero(run, policy)
    hp_lost, hero_turns = [], []
    for _ in range(MAX_ACTIONS):
        if run.over:
            break
        battle = hero.act()  # a step that meets monsters begins the battle in the run
        if battle:
            battle.model = model
            battle.tactician = tactician
            play_battle(run, battle, policy, trust, chooser)
            hp_lost.append(battle.start.hero.hp - battle.encounter.hero.hp)
            hero_turns.append(sum(t.actor == HERO for t in battle.turns))
            for turn in battle.turns:
                for line in turn.lines:
                    run.say(line)
            run.end_battle(on_battle(run, battle) if on_battle else None)
    turns = sum(f["turns"] for f in run.fights)
    result = RunResult(
        seed=seed, policy=policy, won=run.victory, depth=run.deepest, level=run.level, kills=run.kills,
        battles=run.battles, fled=sum(f["result"] == "fled" for f in run.fights), turns=turns,
        asked=sum(f["asked"] for f in run.fights), divergent=sum(len(f["divergent"]) for f in run.fights),
        driven=sum(f["driven"] for f in run.fights), moves=run.moves, cause=run.cause, stalled=not run.over,
        fights=run.fights, hp_lost=hp_lost, hero_turns=hero_turns,
    )
    return result, run


def seeds(first: int, n: int) -> list[int]:
    """The run seeds of a batch: `n` from `first`, reproducible."""
    rng = random.Random(f"pico-rogue runs {first}")
    return [rng.randrange(1_000_000) for _ in range(n)]

