"""The run: one hero's descent, from the first floor to death or the dragon.

It holds everything between battles: where the hero stands, level and
experience, hp and mp carried from fight to fight, the pack of potions and
the charms found, kills, the whole message log, a summary of every battle and
the agreement of model and rules over the run. A run is suspended to one
JSON file when the player quits and picked up by the next `play` (and the
file is gone once it is continued: a save only suspends). The file's
format and its checks are declared in game/records/run.py; the run fills
it in (`to_dict`) and reads it back (`from_dict`) through that declaration.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from game.combat.content import Content, default
from game.combat.describe import status_effect as linger_words
from game.combat.encounter import HERO, Combatant, Status
from game.combat.inert import inert
from game.combat.narration import name
from game.combat.resolver import Resolver
from game.combat.rules import IllegalAction
from game.combat.template import TemplateError, parse_prompt
from game.records.battle import content_record
from game.records.fields import written
from game.records.files import RunError
from game.records.rng import rng_from, rng_state
from game.records.run import RUN_KIND, RUN_VERSION, FightRecord, SuspendedRecord, check_run, forget_run, write_run
from game.world import dungeon, fight, linger, roster
from game.world.battle import MODEL, Battle, Tally
from game.world.dungeon import Floor, Monster

REGEN_EVERY = {"hp": 2, "mp": 3}  # moves per point regained outside battle
LOST_TRAIL = 4  # moves the monsters of a fled battle take to give chase again

# (dx, dy) for each direction name; the app maps keys to these.
DIRECTIONS = {
    "left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1),
    "up_left": (-1, -1), "up_right": (1, -1), "down_left": (-1, 1), "down_right": (1, 1),
}


def xp_for(level: int, content: Content | None = None) -> int:
    """Total experience needed to reach `level`: each level costs more."""
    content = content or default()
    return content.hero.xp_per_level * level * (level - 1) // 2


@dataclass
class Fight:
    """Monsters about to battle the hero: the one bumped (or ambushing) first.
    The run turns it into its battle at once (`begin_battle`)."""

    monsters: list[Monster]
    ambush: bool = False


@dataclass(frozen=True)
class Carried:
    """One line of the inventory: what it is, how many, what it does."""

    kind: str
    count: int
    text: str  # "2 healing potions"
    describe: str
    drinkable: bool


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
    potions: dict[str, int] = field(default_factory=dict)  # the pack: potions carried
    charms: dict[str, int] = field(default_factory=dict)  # stat items found (their bonus is in `bonus`)
    statuses: tuple[Status, ...] = ()  # the hero's, lingering after a battle (linger.py)
    cooldowns: tuple[tuple[str, int], ...] = ()  # the hero's slots as the last battle left them
    kills: int = 0
    moves: int = 0
    log: list[str] = field(default_factory=list)  # every message of the run
    tally: Tally = field(default_factory=Tally)
    fights: list[dict] = field(default_factory=list)  # a summary of each battle (`summary`)
    unsummarised: int = 0  # battles a version-1 run fought before runs kept summaries
    deepest: int = 1
    cause: str | None = None  # how the hero died
    victory: bool = False
    trust: bool = False  # the model in charge of combat: kept when the run is suspended
    battle: Battle | None = None
    foes: list[int] = field(default_factory=list)  # map ids of the monsters in the battle
    rng: random.Random = field(default_factory=random.Random)
    content: Content = field(default_factory=default)

    @classmethod
    def new(cls, seed: int, content: Content | None = None, hero_class: str | None = None) -> Run:
        """A fresh run of `seed`; the hero of `hero_class` (the content's first class when None)."""
        content = content or default()
        if hero_class is not None:
            if hero_class not in content.classes:
                raise ValueError(f"unknown class {hero_class!r}: one of {', '.join(content.classes)}")
            content = content.playing(hero_class)
        run = cls(seed=seed, content=content, rng=random.Random(f"pico-rogue run {seed}"))
        hero = run.hero_template()
        run.hp, run.mp = hero.max_hp, hero.max_mp
        run.potions = {k: n for k, n in content.hero.carries.items() if n}
        run.enter(1)
        run.say(f"You enter the dungeon as a {content.hero.name} (seed {seed}). Find the stairs down; "
                f"the {content.boss.name} waits on floor {run.floors}.")
        return run

    # --- the hero ------------------------------------------------------------

    def hero_template(self) -> Combatant:
        return roster.hero_at(self.level, self.content, self.bonus)

    def hero(self) -> Combatant:
        """The hero as the next battle starts it: carried hp and mp, and the
        statuses and cooldowns still lingering from the last one."""
        base = self.hero_template()
        base = base.with_(hp=max(1, min(self.hp, base.max_hp)), mp=min(self.mp, base.max_mp))
        return linger.carry(base, self.statuses, self.cooldowns, self.content)

    @property
    def battles(self) -> int:
        """Battles begun: each finished one has its summary, and one may be under way."""
        return self.unsummarised + len(self.fights) + (self.battle is not None)

    @property
    def mistakes(self) -> int:
        """The model's mistakes that changed the run: its differing state
        applied, in the battles fought and the one under way."""
        return self.tally.changed + (self.battle.tally.changed if self.battle else 0)

    @property
    def floors(self) -> int:
        return self.content.descent.floors

    @property
    def over(self) -> bool:
        return self.cause is not None or self.victory

    @property
    def hero_class(self) -> str:
        return self.content.hero.name

    @property
    def stakes(self) -> int:
        """What trusting the model has won or lost this run, in score: the
        battles fought and the one under way (as `mistakes` counts)."""
        return sum(f.get("stakes", 0) for f in self.fights) + (self.battle.stakes() if self.battle else 0)

    @property
    def next_level_xp(self) -> int:
        return xp_for(self.level + 1, self.content)

    def say(self, line: str) -> None:
        self.log.append(line)

    def inventory(self) -> list[Carried]:
        """What the hero carries (potions, to drink) and has found (charms, worn)."""
        out = []
        for kind, n in [*self.potions.items(), *self.charms.items()]:
            if n > 0:
                item = self.content.items[kind]
                # the description is of one item ("sharpens your blade (+1 atk)"):
                # beside a count it is each one's, or it reads as the pile's
                describe = item.describe if n == 1 else f"each {item.describe}"
                out.append(Carried(kind, n, item.called(n), describe, kind in self.potions))
        return out

    def carrying(self) -> str:
        """'2 healing potions, a regeneration potion', or 'nothing'."""
        return ", ".join(c.text for c in self.inventory() if c.drinkable) or "nothing"

    # --- moving on the map -------------------------------------------------

    def enter(self, depth: int) -> None:
        self.depth = depth
        self.deepest = max(self.deepest, depth)
        self.floor = dungeon.generate(self.seed, depth, self.content)
        self.pos = self.floor.start
        self.floor.see_from(self.pos)

    # Every way of moving returns the battle it began, if any. The battle
    # begins here, in the run, the moment the hero bumps or is caught: not
    # later, when whoever drives the run gets round to it. So once a step has
    # begun a battle, `self.battle` refuses every further step (a burst of
    # keys already queued included), and one monster is never fought twice.

    def move(self, dx: int, dy: int) -> Battle | None:
        """One step (or a bump). Returns the battle it begins, if any."""
        if self.over or self.battle:
            return None
        floor = self.floor
        to = (self.pos[0] + dx, self.pos[1] + dy)
        foe = floor.monster_at(to)
        if foe:
            return self.begin_battle(self._gather(foe, ambush=False))
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

    def wait(self) -> Battle | None:
        if self.over or self.battle:
            return None
        self.moves += 1
        self._rest()
        return self._monsters_act()

    def in_sight(self) -> list[Monster]:
        return [m for m in self.floor.monsters if m.pos in self.floor.visible]

    def _nearest_in_sight(self) -> str:
        """'a rat 6 steps north (asleep)': why exploring waits, and where to look."""
        m = min(self.in_sight(), key=lambda m: distance(m.pos, self.pos))
        return f"{_article(m.kind)} {where(self.pos, m.pos)}{'' if m.awake else ' (asleep)'}"

    def rest(self, limit: int = 200) -> Battle | None:
        """Wait until healed, or until a monster comes into sight."""
        hero = self.hero_template()
        for _ in range(limit):
            if self.hp >= hero.max_hp and self.mp >= hero.max_mp:
                self.say("You feel rested.")
                return None
            if self.in_sight():
                self.say("You cannot rest with monsters in sight.")
                return None
            battle = self.wait()
            if battle:
                return battle
        return None

    def travel(self, goal: tuple[int, int], limit: int = 400) -> Battle | None:
        """Walk to `goal` over seen ground; stops when a monster comes into
        sight (or a battle begins). Returns the battle, if any."""
        for _ in range(limit):
            if self.over or self.battle or self.pos == goal:
                return None
            seen = {m.id for m in self.in_sight()}
            steps = dungeon.path(self.floor, self.pos, {goal}, {m.pos for m in self.floor.monsters})
            if not steps:
                self.say("You cannot find a way there.")
                return None
            battle = self.move(steps[0][0] - self.pos[0], steps[0][1] - self.pos[1])
            if battle:
                return battle
            if self._new_in_sight(seen):
                return None
        return None

    def explore_step(self) -> tuple[int, int] | None:
        """The next step of exploring, as (dx, dy): towards the nearest item in
        view or remembered, else the nearest unseen part of the floor; None
        when nothing is left to see (or none of it can be reached)."""
        floor = self.floor
        items = {i.pos for i in floor.items if i.pos in floor.explored}
        blocked = {m.pos for m in floor.monsters}
        steps = dungeon.path(floor, self.pos, items, blocked) if items else []
        steps = steps or dungeon.path(floor, self.pos, dungeon.frontier(floor), blocked)
        return (steps[0][0] - self.pos[0], steps[0][1] - self.pos[1]) if steps else None

    def explore(self, limit: int = 1000) -> Battle | None:
        """Explore until a monster comes into sight, a battle begins or
        nothing is left to see. Returns the battle, if any."""
        if self.over or self.battle:
            return None
        if self.in_sight():
            self.say(f"Not with monsters in sight: {self._nearest_in_sight()}.")
            return None
        for _ in range(limit):
            seen = {m.id for m in self.in_sight()}
            step = self.explore_step()
            if step is None:
                where = "the stairs are known" if dungeon.stairs(self.floor) else "no stairs down found"
                self.say(f"You have explored this floor ({where}).")
                return None
            battle = self.move(*step)
            if battle or self.over:
                return battle
            if self._new_in_sight(seen):
                return None
        return None

    def go_down(self) -> Battle | None:
        """The `>` key: descend on the stairs, else travel to them if seen."""
        if self.over or self.battle:
            return None
        if self.floor.tile(self.pos) == dungeon.STAIRS:
            self.descend()
            return None
        if self.floor.last:
            self.say(f"There are no stairs down on this floor: the {self.content.boss.name} waits here.")
            return None
        goal = dungeon.stairs(self.floor)
        if goal is None:
            self.say("You have not found the stairs down yet (x explores).")
            return None
        return self.travel(goal)

    def descend(self) -> bool:
        if self.over or self.battle or self.floor.tile(self.pos) != dungeon.STAIRS:
            return False
        self.enter(self.depth + 1)
        last = " The air is hot: something vast sleeps here." if self.floor.last else ""
        self.say(f"You descend to floor {self.depth}.{last}")
        return True

    def drink(self, kind: str) -> bool:
        """Drink a potion outside battle; False (and a message) if it cannot."""
        if self.over or self.battle:
            return False
        item = self.content.items.get(kind)
        if item is None or not item.ability or self.potions.get(kind, 0) <= 0:
            self.say(f"You have no {item.title if item else kind} to drink.")
            return False
        ability = self.content.abilities[item.ability]
        max_hp = self.hero_template().max_hp
        if self.hp >= max_hp:
            self.say(f"You are at full health: you keep the {item.title}.")
            return False
        self.potions[kind] -= 1
        if ability.heal:
            before = self.hp
            self.hp = min(max_hp, self.hp + ability.heal + self.rng.randint(1, 4))
            self.say(f"You drink {item.called()} and heal {self.hp - before} hp.")
        if ability.applies:
            a = ability.applies
            self.statuses = linger.carry(self.hero(), (*[s for s in self.statuses if s.name != a.status],
                                                       Status(a.status, a.turns, a.power)), (), self.content).statuses
            self.say(f"You drink {item.called()}: you are "
                     f"{linger_words(a.status, a.turns, a.power, self.content)}.")
        return True

    def _new_in_sight(self, seen: set[int]) -> bool:
        new = [m for m in self.in_sight() if m.id not in seen]
        if new:
            self.say(f"You see {self._placed(new)}.")
        return bool(new)

    def _placed(self, monsters: list[Monster]) -> str:
        """'a rat (2 steps north), a bat (5 steps west)', nearest first: on a
        small terminal the map shows only the hero's surroundings, and what
        stopped `x` may lie beyond them."""
        near = sorted(monsters, key=lambda m: (distance(m.pos, self.pos), m.id))
        return ", ".join(f"{_article(m.kind)} ({where(self.pos, m.pos)})" for m in near)

    def _rest(self) -> None:
        hero = self.hero_template()
        if self.moves % REGEN_EVERY["hp"] == 0:
            self.hp = min(hero.max_hp, self.hp + 1)
        if self.moves % REGEN_EVERY["mp"] == 0:
            self.mp = min(hero.max_mp, self.mp + 1)
        now = self.hero()
        if linger.lingering(now):
            later = linger.step(now, self.content)
            self.hp, self.statuses, self.cooldowns = later.hp, later.statuses, later.cooldowns
            gone = [s.name for s in now.statuses if later.status(s.name) is None]
            for name in gone:
                kind = self.content.statuses.get(name)
                self.say(f"You are no longer {kind.adjective if kind and kind.adjective else name}.")

    def _pick_up(self) -> None:
        item = self.floor.item_at(self.pos)
        if not item:
            return
        self.floor.items.remove(item)
        kind = self.content.items[item.kind]
        if kind.ability:
            self.potions[item.kind] = self.potions.get(item.kind, 0) + 1
            self.say(f"You pick up {kind.called()} ({self.potions[item.kind]} carried).")
            return
        self.charms[item.kind] = self.charms.get(item.kind, 0) + 1
        for stat, amount in kind.raises.items():
            self.bonus[stat] = self.bonus.get(stat, 0) + amount
        hero = self.hero_template()
        if "max_hp" in kind.raises:
            self.hp = min(hero.max_hp, self.hp + kind.raises["max_hp"])
        if "max_mp" in kind.raises:
            self.mp = min(hero.max_mp, self.mp + kind.raises["max_mp"])
        self.say(f"You find {kind.called()}: it {kind.describe}.")

    def _monsters_act(self) -> Battle | None:
        """Monsters that see the hero wake, chase, and attack when adjacent."""
        floor = self.floor
        for m in floor.monsters:
            if m.statuses or any(n for _, n in m.cooldowns):  # a fled battle's, wearing off as the hero's do
                later = linger.step(self.as_met(m, "m1"), self.content)
                m.hp, m.statuses, m.cooldowns = later.hp, later.statuses, later.cooldowns
            if not m.awake and m.pos in floor.visible and distance(m.pos, self.pos) <= 6:
                m.awake = True
        for m in sorted(floor.monsters, key=lambda m: distance(m.pos, self.pos)):
            if m.lost > 0:
                m.lost -= 1
                continue
            if not m.awake:
                continue
            if distance(m.pos, self.pos) == 1:
                return self.begin_battle(self._gather(m, ambush=True))
            blocked = {o.pos for o in floor.monsters if o is not m} | {self.pos}
            to = dungeon.step_towards(floor, m, self.pos, blocked)
            m.x, m.y = to
        return None

    def _gather(self, foe: Monster, ambush: bool) -> Fight:
        """The foe and the monsters beside it (or beside the hero): 1-3."""
        near = [m for m in self.floor.monsters if m is not foe and m.lost == 0 and (
            distance(m.pos, foe.pos) == 1 or (m.awake and distance(m.pos, self.pos) == 1))]
        near.sort(key=lambda m: (distance(m.pos, foe.pos), m.id))
        return Fight([foe, *near[:2]], ambush)

    def as_met(self, m: Monster, label: str) -> Combatant:
        """The monster as a battle meets it: grown for this floor, with what
        a fled battle left it (wounds, mp, statuses, cooldowns)."""
        fresh = roster.monster(m.kind, label, self.content, self.depth)
        kept = fresh.with_(hp=fresh.hp if m.hp is None else min(m.hp, fresh.max_hp),
                           mp=fresh.mp if m.mp is None else min(m.mp, fresh.max_mp))
        return linger.carry(kept, m.statuses, m.cooldowns, self.content)

    def _step_back(self, foes: list[Monster]) -> None:
        """A hero that got away stands one step further from the monsters it
        fled, where there is room: no bumping them again at once."""
        taken = {m.pos for m in self.floor.monsters}
        away = [(self.pos[0] + dx, self.pos[1] + dy) for dx, dy in dungeon.NEIGHBOURS]
        free = [p for p in away if self.floor.walkable(p) and p not in taken]
        if foes and free:
            def gap(p: tuple[int, int]) -> int:
                return min(distance(p, m.pos) for m in foes)
            best = max(free, key=lambda p: (gap(p), -abs(p[0] - self.pos[0]) - abs(p[1] - self.pos[1])))
            if gap(best) > gap(self.pos):
                self.pos = best
                self.floor.see_from(self.pos)

    # --- battles -------------------------------------------------------------

    def begin_battle(self, met: Fight, model: Resolver | None = None) -> Battle:
        """The battle with `met`, now the run's. A step that meets monsters
        calls it (with no model: whoever plays the battle gives it one);
        tests and tools may call it to set a fight up. Never while a battle
        is on: that would be one fight played twice."""
        if self.battle is not None:
            raise RuntimeError("a battle is already being fought")
        encounter = fight.encounter(self.hero(), [m.kind for m in met.monsters], self.depth, self.content)
        encounter = encounter.replacing(*(self.as_met(m, c.label) for m, c in zip(met.monsters, encounter.monsters,
                                                                                   strict=True)))
        self.battle = Battle(encounter, model=model, seed=self.rng.randrange(2**31), potions=self.potions, content=self.content)
        self.foes = [m.id for m in met.monsters]
        first, *others = encounter.monsters
        if met.ambush:
            self.say(f"{name(first, encounter, capital=True)} attacks!")
        else:
            self.say(f"You attack {name(first, encounter)}!")
        # each monster drawn in beside the first gets its own line: a list of
        # names on the first line read as one foe, and the arrival went unseen
        for c in others:
            self.say(f"{name(c, encounter, capital=True)} joins the fight.")
        return self.battle

    def flee(self) -> bool:
        """The hero tries to run from the battle (on its turn). True if it got
        away: the battle is over, the monsters keep their wounds and lose the
        trail for a few moves. A failed try gives the monsters their turns."""
        battle = self.battle
        if battle is None or battle.over:
            return False  # an `f` that arrived after the battle ended
        try:
            away, lines = battle.flee()
        except IllegalAction as exc:
            self.say(f"You cannot flee: {exc}.")
            return False
        for line in lines:
            self.say(line)
        return away

    def end_battle(self, file: str | None = None) -> Battle | None:
        """Carry the battle's outcome into the run; returns the finished battle.
        `file`: where the battle was saved, for the run's record. With no
        battle on (it has ended already) it changes nothing and returns None:
        a key pressed twice must not end one battle twice."""
        if self.battle is None:
            return None
        battle, self.battle = self.battle, None
        end = battle.encounter
        self.hp, self.mp = end.hero.hp, end.hero.mp
        self.potions = {k: v for k, v in battle.potions.items() if v > 0}
        self.tally.merge(battle.tally)
        by_id = {m.id: m for m in self.floor.monsters}
        foes = [by_id[i] for i in self.foes]  # in encounter order: m1, m2, m3
        self.foes = []
        self.fights.append(summary(battle, len(self.fights) + 1, self.depth) | {"file": file})
        if not end.hero.alive:
            self.cause = cause_of_death(battle, self.depth, self.content)
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
            elif battle.fled:
                m.hp, m.mp, m.statuses, m.cooldowns = c.hp, c.mp, c.statuses, c.cooldowns
                m.lost, m.awake = LOST_TRAIL, True
        self.statuses, self.cooldowns = end.hero.statuses, end.hero.cooldowns
        if battle.fled:
            self._step_back(foes)
        self.xp += gained
        level = self.level
        while self.xp >= self.next_level_xp:
            self.level += 1
        if battle.fled:
            self.say(f"You got away{f' (+{gained} xp)' if gained else ''}; the monsters lose your trail for a moment.")
        else:
            self.say(f"Victory: +{gained} xp.")
        if any(t.trusted for t in battle.turns):
            self.say(f"Trusting the model: {battle.stakes():+d} score ({self.stakes:+d} this run).")
        if self.level > level:
            hero = self.hero_template()
            self.hp, self.mp = hero.max_hp, hero.max_mp
            self.say(f"You reach level {self.level}: {hero.max_hp} hp, {hero.max_mp} mp, atk {hero.atk}, def {hero.defence}.")
        if self.victory:
            self.say(f"The {self.content.boss.name} is dead. You have conquered the dungeon!")
        else:
            self.say(f"{self.next_level_xp - self.xp} xp to level {self.level + 1}.")
            if near := self.in_sight():  # the next fight may be a step away: said before the player walks into it
                self.say(f"Still in sight: {self._placed(near)}.")
        return battle

    # --- suspend and continue -------------------------------------------------

    def to_dict(self) -> dict:
        return written(
            SuspendedRecord,
            kind=RUN_KIND,
            version=RUN_VERSION,
            seed=self.seed,
            depth=self.depth,
            deepest=self.deepest,
            floor=self.floor.to_dict(),
            pos=list(self.pos),
            level=self.level,
            xp=self.xp,
            hp=self.hp,
            mp=self.mp,
            bonus=self.bonus,
            potions=self.potions,
            charms=self.charms,
            regen=[0, 0],  # a regeneration potion's is in statuses now
            statuses=[[s.name, s.turns, s.power] for s in self.statuses],
            cooldowns=[[a, n] for a, n in self.cooldowns],
            kills=self.kills,
            moves=self.moves,
            log=self.log,
            tally=[self.tally.agreed, self.tally.asked, self.tally.changed],
            trust_model=self.trust,
            battles=self.battles,  # derived, and still written: scripts read it
            fights=self.fights,
            battle=self.battle.to_dict() if self.battle else None,
            foes=self.foes,
            rng=rng_state(self.rng),
            content=content_record(self.content),
            hero_class=self.content.hero.name,
        )

    @classmethod
    def from_dict(cls, d: dict, model: Resolver | None = None, content: Content | None = None) -> Run:
        content = content or default()
        check_run(d, content)  # every fact play relies on later (its class too), so a bad file is refused here
        if d.get("hero_class") is not None:  # absent: a run from before classes played the first
            content = content.playing(d["hero_class"])
        try:
            rng = random.Random()
            rng.setstate(rng_from(d["rng"]))
            floor = Floor.from_dict(d["floor"])
            floor.last = floor.depth >= content.descent.floors
            run = cls(
                seed=int(d["seed"]), depth=int(d["depth"]), floor=floor,
                pos=(int(d["pos"][0]), int(d["pos"][1])), level=int(d["level"]), xp=int(d["xp"]),
                hp=int(d["hp"]), mp=int(d["mp"]), bonus=dict(d["bonus"]), potions=dict(d["potions"]),
                charms=dict(d.get("charms", {})),
                kills=int(d["kills"]), moves=int(d["moves"]), log=[inert(line) for line in d["log"]],
                tally=Tally(*d["tally"]), trust=bool(d.get("trust_model", False)), fights=list(d.get("fights", [])),
                unsummarised=max(0, int(d["battles"]) - len(d.get("fights", [])) - (d["battle"] is not None)),
                deepest=int(d.get("deepest", d["depth"])), foes=list(d["foes"]),
                rng=rng, content=content,
                statuses=tuple(Status(str(n), int(t), int(p)) for n, t, p in d.get("statuses", [])),
                cooldowns=tuple((str(a), int(n)) for a, n in d.get("cooldowns", [])),
            )
            left, power = (int(n) for n in d.get("regen", (0, 0)))  # a version-2 run's potion
            if left > 0 and not any(s.name == "regen" for s in run.statuses):
                run.statuses = linger.carry(run.hero(), (*run.statuses, Status("regen", left, power)), (),
                                            content).statuses
            if d["battle"]:
                run.battle = Battle.from_dict(d["battle"], model=model, content=content)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise RunError(f"the suspended run is damaged ({type(exc).__name__}: {exc})") from None
        run.floor.see_from(run.pos)
        return run


def summary(battle: Battle, n: int, depth: int) -> dict:
    """One battle of a run in a line: what it was, how it ended, and where
    the model and the rules parted (1-based turn numbers)."""
    return written(
        FightRecord,
        n=n,
        depth=depth,
        monsters=[m.kind for m in battle.start.monsters],
        result=battle.result,
        killed=sum(not c.alive for c in battle.encounter.monsters),
        turns=len(battle.turns),
        asked=battle.tally.asked,
        agreed=battle.tally.agreed,
        driven=sum(t.applied == MODEL for t in battle.turns),
        divergent=[i for i, t in enumerate(battle.turns, 1) if t.asked_model and not t.agreed],
        close=sum(t.close for t in battle.turns),
        stakes=battle.stakes(),
        file=None,  # where play saved it, when it did
    )


def suspend(run: Run, folder: Path | None = None) -> Path:
    return write_run(run.to_dict(), folder)


forget = forget_run  # the suspended run is gone once continued, or given up for a new one


def distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(abs(a[0] - b[0]), abs(a[1] - b[1]))


def where(here: tuple[int, int], there: tuple[int, int]) -> str:
    """'4 steps north-east' (north is up the map), the way rounded to the
    nearest of eight as a compass would: 8 west and 1 north is west."""
    dx, dy = there[0] - here[0], there[1] - here[1]
    slight = math.tan(math.pi / 8)  # under this share of the other axis, an axis is left out of the name
    dx, dy = (0 if abs(dx) < slight * abs(dy) else dx), (0 if abs(dy) < slight * abs(dx) else dy)
    way = "-".join(w for w in ("north" if dy < 0 else "south" if dy > 0 else "",
                                "east" if dx > 0 else "west" if dx < 0 else "") if w)
    steps = distance(here, there)
    return f"{steps} step{'s' if steps != 1 else ''} {way}"


def _article(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def cause_of_death(battle: Battle, depth: int, content: Content | None = None) -> str:
    """How the hero died, read from the last turn's prompt as the template
    parses it: the blow of a monster, or the hero's own ticking statuses."""
    content = content or default()
    last = battle.turns[-1] if battle.turns else None
    if last is None:
        return f"died on floor {depth}"
    try:
        before = parse_prompt(last.prompt, content).encounter
    except TemplateError:
        return f"died on floor {depth}"
    if last.actor == HERO:
        ticking = [s.name for s in before.hero.statuses if content.statuses[s.name].tick == "damage"]
        return f"succumbed to {' and '.join(ticking) or 'wounds'} on floor {depth}"
    return f"killed by {_article(before.get(last.actor).kind)} on floor {depth}"
