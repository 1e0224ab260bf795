"""The run: one hero's descent, from the first floor to death or the dragon.

It holds everything between battles: where the hero stands, level and
experience, hp and mp carried from fight to fight, potions and charms, kills,
the message log and the agreement of model and rules over the run. A run is
suspended to one JSON file when the player quits and picked up by the next
`play` (and the file is gone once it is continued: a save only suspends).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path

from . import dungeon, roster
from .battle import Battle, Tally, name
from .battle_save import SAVES, write_atomic
from .content import Content, default
from .dungeon import Floor, Monster
from .encounter import HERO, Combatant
from .resolver import Resolver

RUN_KIND = "pico-rogue run"
RUN_VERSION = 1
RUN_FILE = "run.json"
LOG_KEEP = 200

# (dx, dy) for each direction name; the app maps keys to these.
DIRECTIONS = {
    "left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1),
    "up_left": (-1, -1), "up_right": (1, -1), "down_left": (-1, 1), "down_right": (1, 1),
}


class RunError(ValueError):
    """A suspended-run file that cannot be continued."""


def xp_for(level: int, content: Content | None = None) -> int:
    """Total experience needed to reach `level`: each level costs more."""
    content = content or default()
    return content.hero.xp_per_level * level * (level - 1) // 2


@dataclass
class Fight:
    """Monsters about to battle the hero: the one bumped (or ambushing) first."""

    monsters: list[Monster]
    ambush: bool = False


@dataclass
class Run:
    seed: int
    depth: int = 1
    floor: Floor | None = None
    pos: tuple[int, int] = (0, 0)
    level: int = 1
    xp: int = 0
    hp: int = 0
    mp: int = 0
    bonus: dict[str, int] = field(default_factory=dict)
    potions: dict[str, int] = field(default_factory=dict)
    kills: int = 0
    moves: int = 0
    log: list[str] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    battles: int = 0
    cause: str | None = None  # how the hero died
    victory: bool = False
    battle: Battle | None = None
    foes: list[int] = field(default_factory=list)  # map ids of the monsters in the battle
    rng: random.Random = field(default_factory=random.Random)
    content: Content = field(default_factory=default)

    @classmethod
    def new(cls, seed: int, content: Content | None = None) -> Run:
        content = content or default()
        run = cls(seed=seed, content=content, rng=random.Random(f"pico-rogue run {seed}"))
        hero = run.hero_template()
        run.hp, run.mp = hero.max_hp, hero.max_mp
        run.potions = {"healing_potion": 1}
        run.enter(1)
        run.say(f"You enter the dungeon (seed {seed}). Find the stairs down; the dragon waits on floor {dungeon.FLOORS}.")
        return run

    # --- the hero ------------------------------------------------------------

    def hero_template(self) -> Combatant:
        return roster.hero_at(self.level, self.content, self.bonus)

    def hero(self) -> Combatant:
        """The hero as the next battle starts it: carried hp and mp, fresh slots."""
        base = self.hero_template()
        return base.with_(hp=max(1, min(self.hp, base.max_hp)), mp=min(self.mp, base.max_mp))

    @property
    def over(self) -> bool:
        return self.cause is not None or self.victory

    @property
    def next_level_xp(self) -> int:
        return xp_for(self.level + 1, self.content)

    def say(self, line: str) -> None:
        self.log.append(line)
        del self.log[:-LOG_KEEP]

    # --- moving on the map -------------------------------------------------

    def enter(self, depth: int) -> None:
        self.depth = depth
        self.floor = dungeon.generate(self.seed, depth, self.content)
        self.pos = self.floor.start
        self.floor.see_from(self.pos)

    def move(self, dx: int, dy: int) -> Fight | None:
        """One step (or a bump). Returns the fight it starts, if any."""
        if self.over or self.battle:
            return None
        floor = self.floor
        to = (self.pos[0] + dx, self.pos[1] + dy)
        foe = floor.monster_at(to)
        if foe:
            return self._gather(foe, ambush=False)
        if not floor.walkable(to):
            return None
        self.pos = to
        self.moves += 1
        self._rest()
        self._pick_up()
        if floor.tile(to) == dungeon.STAIRS:
            self.say("Stairs lead down here: press > to descend.")
        floor.see_from(self.pos)
        return self._monsters_act()

    def wait(self) -> Fight | None:
        if self.over or self.battle:
            return None
        self.moves += 1
        self._rest()
        return self._monsters_act()

    def rest(self, limit: int = 200) -> Fight | None:
        """Wait until healed, or until a monster comes into sight."""
        hero = self.hero_template()
        for _ in range(limit):
            if self.hp >= hero.max_hp and self.mp >= hero.max_mp:
                self.say("You feel rested.")
                return None
            if any(m.pos in self.floor.visible for m in self.floor.monsters):
                self.say("You cannot rest with monsters in sight.")
                return None
            fight = self.wait()
            if fight:
                return fight
        return None

    def descend(self) -> bool:
        if self.over or self.battle or self.floor.tile(self.pos) != dungeon.STAIRS:
            return False
        self.enter(self.depth + 1)
        last = " The air is hot: something vast sleeps here." if self.floor.last else ""
        self.say(f"You descend to floor {self.depth}.{last}")
        return True

    def _rest(self) -> None:
        hero = self.hero_template()
        if self.moves % 2 == 0:
            self.hp = min(hero.max_hp, self.hp + 1)
        if self.moves % 3 == 0:
            self.mp = min(hero.max_mp, self.mp + 1)

    def _pick_up(self) -> None:
        item = self.floor.item_at(self.pos)
        if not item:
            return
        self.floor.items.remove(item)
        kind = self.content.items[item.kind]
        if kind.ability:
            self.potions[item.kind] = self.potions.get(item.kind, 0) + 1
            self.say(f"You pick up {kind.describe} ({self.potions[item.kind]} carried).")
            return
        for stat, amount in kind.raises.items():
            self.bonus[stat] = self.bonus.get(stat, 0) + amount
        hero = self.hero_template()
        if "max_hp" in kind.raises:
            self.hp = min(hero.max_hp, self.hp + kind.raises["max_hp"])
        if "max_mp" in kind.raises:
            self.mp = min(hero.max_mp, self.mp + kind.raises["max_mp"])
        self.say(f"You find {kind.describe}.")

    def _monsters_act(self) -> Fight | None:
        """Monsters that see the hero wake, chase, and attack when adjacent."""
        floor = self.floor
        for m in floor.monsters:
            if not m.awake and m.pos in floor.visible and _distance(m.pos, self.pos) <= 6:
                m.awake = True
        for m in sorted(floor.monsters, key=lambda m: _distance(m.pos, self.pos)):
            if not m.awake:
                continue
            if _distance(m.pos, self.pos) == 1:
                return self._gather(m, ambush=True)
            blocked = {o.pos for o in floor.monsters if o is not m} | {self.pos}
            to = dungeon.step_towards(floor, m, self.pos, blocked)
            m.x, m.y = to
        return None

    def _gather(self, foe: Monster, ambush: bool) -> Fight:
        """The foe and the monsters beside it (or beside the hero): 1-3."""
        near = [m for m in self.floor.monsters if m is not foe and (
            _distance(m.pos, foe.pos) == 1 or (m.awake and _distance(m.pos, self.pos) == 1))]
        near.sort(key=lambda m: (_distance(m.pos, foe.pos), m.id))
        return Fight([foe, *near[:2]], ambush)

    # --- battles -------------------------------------------------------------

    def begin_battle(self, fight: Fight, model: Resolver | None = None) -> Battle:
        encounter = roster.encounter(self.hero(), [m.kind for m in fight.monsters], self.content)
        self.battle = Battle(encounter, model=model, seed=self.rng.randrange(2**31), potions=self.potions, content=self.content)
        self.foes = [m.id for m in fight.monsters]
        self.battles += 1
        names = ", ".join(name(c, encounter) for c in encounter.monsters)
        if fight.ambush:
            self.say(f"{name(encounter.monsters[0], encounter, capital=True)} attacks! You face {names}.")
        else:
            self.say(f"You attack! You face {names}.")
        return self.battle

    def end_battle(self) -> Battle:
        """Carry the battle's outcome into the run; returns the finished battle."""
        battle, self.battle = self.battle, None
        end = battle.encounter
        self.hp, self.mp = end.hero.hp, end.hero.mp
        self.potions = {k: v for k, v in battle.potions.items() if v > 0}
        self.tally.agreed += battle.tally.agreed
        self.tally.asked += battle.tally.asked
        by_id = {m.id: m for m in self.floor.monsters}
        foes = [by_id[i] for i in self.foes]  # in encounter order: m1, m2, m3
        self.foes = []
        if not end.hero.alive:
            self.cause = _cause_of_death(battle, self.depth)
            self.say(f"You die: {self.cause}.")
            return battle
        gained = 0
        for m, c in zip(foes, end.monsters, strict=True):
            if not c.alive:
                self.floor.monsters.remove(m)
                self.kills += 1
                gained += self.content.monsters[c.kind].xp
                if self.content.monsters[c.kind].boss:
                    self.victory = True
        self.xp += gained
        self.say(f"Victory: +{gained} xp." + (f" ({self.next_level_xp - self.xp} to the next level)" if not self.victory else ""))
        while self.xp >= self.next_level_xp:
            self.level += 1
            hero = self.hero_template()
            self.hp, self.mp = hero.max_hp, hero.max_mp
            self.say(f"You reach level {self.level}: {hero.max_hp} hp, {hero.max_mp} mp, atk {hero.atk}, def {hero.defence}.")
        if self.victory:
            self.say("The dragon is dead. You have conquered the dungeon!")
        return battle

    # --- suspend and continue -------------------------------------------------

    def to_dict(self) -> dict:
        version, state, gauss = self.rng.getstate()
        return {
            "kind": RUN_KIND,
            "version": RUN_VERSION,
            "seed": self.seed,
            "depth": self.depth,
            "floor": self.floor.to_dict(),
            "pos": list(self.pos),
            "level": self.level,
            "xp": self.xp,
            "hp": self.hp,
            "mp": self.mp,
            "bonus": self.bonus,
            "potions": self.potions,
            "kills": self.kills,
            "moves": self.moves,
            "log": self.log[-50:],
            "tally": [self.tally.agreed, self.tally.asked],
            "battles": self.battles,
            "battle": self.battle.to_dict() if self.battle else None,
            "foes": self.foes,
            "rng": [version, list(state), gauss],
        }

    @classmethod
    def from_dict(cls, d: dict, model: Resolver | None = None, content: Content | None = None) -> Run:
        content = content or default()
        if not isinstance(d, dict) or d.get("kind") != RUN_KIND:
            raise RunError("not a suspended run")
        if d.get("version") != RUN_VERSION:
            raise RunError(f"suspended run version {d.get('version')!r}, this game reads {RUN_VERSION}")
        try:
            rng = random.Random()
            version, state, gauss = d["rng"]
            rng.setstate((version, tuple(state), gauss))
            run = cls(
                seed=int(d["seed"]), depth=int(d["depth"]), floor=Floor.from_dict(d["floor"]),
                pos=(int(d["pos"][0]), int(d["pos"][1])), level=int(d["level"]), xp=int(d["xp"]),
                hp=int(d["hp"]), mp=int(d["mp"]), bonus=dict(d["bonus"]), potions=dict(d["potions"]),
                kills=int(d["kills"]), moves=int(d["moves"]), log=list(d["log"]),
                tally=Tally(*d["tally"]), battles=int(d["battles"]), foes=list(d["foes"]), rng=rng, content=content,
            )
            if d["battle"]:
                run.battle = Battle.from_dict(d["battle"], model=model, content=content)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise RunError(f"the suspended run is damaged ({type(exc).__name__}: {exc})") from None
        run.floor.see_from(run.pos)
        return run


def run_path(folder: Path | None = None) -> Path:
    return (Path(folder) if folder else SAVES) / RUN_FILE


def suspend(run: Run, folder: Path | None = None) -> Path:
    return write_atomic(run_path(folder), run.to_dict())


def suspended(folder: Path | None = None) -> dict | None:
    """The suspended run's data, or None if there is none (or it is unreadable)."""
    path = run_path(folder)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("kind") == RUN_KIND else None


def forget(folder: Path | None = None) -> None:
    run_path(folder).unlink(missing_ok=True)


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


def _cause_of_death(battle: Battle, depth: int) -> str:
    last = battle.turns[-1] if battle.turns else None
    if last is None:
        return f"died on floor {depth}"
    if last.actor == HERO:
        before = battle.turns[-1].prompt
        what = " and ".join(s for s in ("poison", "burn") if f" {s} " in before.split("\n")[1]) or "wounds"
        return f"succumbed to {what} on floor {depth}"
    killer = battle.start.get(last.actor).kind
    article = "an" if killer[0] in "aeiou" else "a"
    return f"killed by {article} {killer} on floor {depth}"
