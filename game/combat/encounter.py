"""Combat state: the encounter, its combatants, their statuses and cooldowns.

All state is frozen: the rules build a new encounter for every transition, so
a state handed to the model or the screen never changes behind their back.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from game.combat import schema
from game.combat.schema import END, HERO, HERO_KIND, LABELS, MONSTER_LABELS, RESULTS

# Ranges every reachable state stays in: the template's (game/schema.py).
MAX_STAT = schema.HP.hi  # hp, max hp
MAX_MP = schema.MP.hi
MAX_ATK = schema.ATK.hi
MAX_DEF = schema.DEF.hi
MAX_TURNS = schema.STATUS_TURNS.hi  # status durations and powers, cooldowns
MAX_TURN = schema.TURN.hi  # the encounter's turn counter saturates here

__all__ = ["END", "HERO", "HERO_KIND", "LABELS", "MONSTER_LABELS", "RESULTS", "MAX_STAT", "MAX_MP", "MAX_ATK",
           "MAX_DEF", "MAX_TURNS", "MAX_TURN", "Status", "Combatant", "Encounter", "Action", "Rolls", "Outcome",
           "Sum", "HpChange", "Alive", "Step"]


@dataclass(frozen=True)
class Status:
    name: str
    turns: int
    power: int


@dataclass(frozen=True)
class Combatant:
    label: str  # hero, m1, m2, m3: who it is in this encounter
    kind: str  # knight, rat, goblin, ...: what it is
    hp: int
    max_hp: int
    mp: int
    max_mp: int
    atk: int
    defence: int
    statuses: tuple[Status, ...] = ()  # in the content's status order
    cooldowns: tuple[tuple[str, int], ...] = ()  # (ability, own turns left)

    @property
    def alive(self) -> bool:
        return self.hp > 0

    def status(self, name: str) -> Status | None:
        return next((s for s in self.statuses if s.name == name), None)

    def cooldown(self, ability: str) -> int:
        return dict(self.cooldowns).get(ability, 0)

    def with_(self, **changes) -> Combatant:
        return replace(self, **changes)


@dataclass(frozen=True)
class Encounter:
    turn: int
    actor: str  # label of whose action it is, or END
    combatants: tuple[Combatant, ...]  # the hero first, then m1..m3

    def get(self, label: str) -> Combatant:
        for c in self.combatants:
            if c.label == label:
                return c
        raise KeyError(label)

    @property
    def hero(self) -> Combatant:
        return self.combatants[0]

    @property
    def monsters(self) -> tuple[Combatant, ...]:
        return self.combatants[1:]

    @property
    def over(self) -> bool:
        return self.actor == END

    def replacing(self, *changed: Combatant) -> Encounter:
        by_label = {c.label: c for c in changed}
        return replace(self, combatants=tuple(by_label.get(c.label, c) for c in self.combatants))

    # An encounter's JSON form (a suspended run holds two): the dataclasses'
    # fields as they are, tuples as lists. Read beside the class it builds, so
    # a field added here is read and written in one place.

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Encounter:
        """The encounter `to_dict` wrote (its values checked by the reader's schema)."""
        return cls(int(d["turn"]), str(d["actor"]), tuple(
            Combatant(c["label"], c["kind"], c["hp"], c["max_hp"], c["mp"], c["max_mp"], c["atk"], c["defence"],
                      tuple(Status(**s) for s in c["statuses"]), tuple((a, int(n)) for a, n in c["cooldowns"]))
            for c in d["combatants"]
        ))


@dataclass(frozen=True)
class Action:
    """What the actor does this turn: an ability used on a target label."""

    ability: str
    target: str


@dataclass(frozen=True)
class Rolls:
    """The dice the game drew for this turn, written into the prompt."""

    d20: int  # 1..20: 1-3 misses, 20 is a critical hit
    d4: int  # 1..4: added to damage and healing


@dataclass(frozen=True)
class Sum:
    """A running sum: `kind` (ticks, damage, healing), its (part, value)
    terms in the order they were added, and the running total after each
    (as written: a model's slip is kept, to be compared with the engine's)."""

    kind: str
    terms: tuple[tuple[str, int], ...]
    totals: tuple[int, ...]

    @classmethod
    def of(cls, kind: str, terms: tuple[tuple[str, int], ...]) -> Sum:
        totals, total = [], 0
        for _, value in terms:
            total += value
            totals.append(total)
        return cls(kind, terms, tuple(totals))

    @property
    def total(self) -> int:
        return self.totals[-1]


@dataclass(frozen=True)
class HpChange:
    """A combatant's hp moved by `delta`: `total` (at least 0), and `cap`,
    the max hp it is held to (None where a text does not say it: a v2 line
    whose total stayed within the max)."""

    label: str
    before: int
    delta: int
    total: int
    cap: int | None = None

    @property
    def after(self) -> int:
        return self.total if self.cap is None else min(self.total, self.cap)

    @property
    def past(self) -> bool:
        """Whether the total went past the max: when the line ends `max N`."""
        return self.cap is not None and self.total > self.cap


@dataclass(frozen=True)
class Alive:
    """Who is alive once the turn's changes are made, in line order."""

    labels: tuple[str, ...]


Step = Sum | HpChange | Alive


@dataclass(frozen=True)
class Outcome:
    """What happened in one transition, in the order it happened.

    tick: net hp change of the actor from its own statuses at turn start.
    result: hit, crit, miss (attacks), heal, buff (self abilities), stunned
    (lost the action), down (the tick killed the actor).
    amount: damage dealt or hp healed before clamping; 0 otherwise.
    work: the steps the rules took to get there, as template v2 writes them
    before the next-state block (empty when read from a v1 text).
    """

    tick: int
    result: str
    amount: int
    work: tuple[Step, ...] = ()
