"""Combat state: the encounter, its combatants, their statuses and cooldowns.

All state is frozen: the rules build a new encounter for every transition, so
a state handed to the model or the screen never changes behind their back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

HERO = "hero"
MONSTER_LABELS = ("m1", "m2", "m3")
LABELS = (HERO, *MONSTER_LABELS)
END = "end"  # the `next` of an encounter that is over
HERO_KIND = "knight"

# Ranges every reachable state stays in; the template's legend documents them.
MAX_STAT = 99  # hp, max hp
MAX_MP = 30
MAX_ATK = 20
MAX_DEF = 12
MAX_TURNS = 9  # status durations and powers, cooldowns
MAX_TURN = 999  # the encounter's turn counter saturates here


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


RESULTS = ("hit", "crit", "miss", "heal", "buff", "stunned", "down")


@dataclass(frozen=True)
class Outcome:
    """What happened in one transition, in the order it happened.

    tick: net hp change of the actor from its own statuses at turn start.
    result: hit, crit, miss (attacks), heal, buff (self abilities), stunned
    (lost the action), down (the tick killed the actor).
    amount: damage dealt or hp healed before clamping; 0 otherwise.
    """

    tick: int
    result: str
    amount: int
