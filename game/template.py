"""The combat template: the text contract between the game and the model.

A prompt is the whole encounter, the action and the dice; a target is the
canonical next-state block. One state has exactly one text (fixed field order,
statuses in content order, cooldown slots in ability order, single spaces), so
`parse(serialize(x)) == x` and the text round-trips byte for byte.

    v1 turn 12 m1 ignite hero roll 14 3
    hero knight hp 37/40 mp 8/12 atk 6 def 3 st poison 3 2 cd poison_strike 0 ignite 2 heal 0 guard 0
    m1 goblin hp 12/15 mp 4/6 atk 4 def 1 st burn 2 3 cd ignite 0

    tick -3 hit 5
    turn 13 next hero
    hero hp 32 mp 8 st poison 3 2 burn 2 3 cd poison_strike 0 ignite 2 heal 0 guard 0
    m1 hp 9 mp 1 st burn 1 3 cd ignite 2

The field legend is in docs/template.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from .content import Content, default
from .encounter import (
    END,
    HERO,
    HERO_KIND,
    LABELS,
    MAX_ATK,
    MAX_DEF,
    MAX_MP,
    MAX_STAT,
    MAX_TURN,
    MAX_TURNS,
    RESULTS,
    Action,
    Combatant,
    Encounter,
    Outcome,
    Rolls,
    Status,
)

VERSION = "v1"


class TemplateError(ValueError):
    """A text that is not a valid prompt or target; says what and where."""


@dataclass(frozen=True)
class Prompt:
    encounter: Encounter
    action: Action
    rolls: Rolls


@dataclass(frozen=True)
class Row:
    """One combatant's changing fields in a target block."""

    label: str
    hp: int
    mp: int
    statuses: tuple[Status, ...]
    cooldowns: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Target:
    """The canonical next-state block: what happened and what changed."""

    outcome: Outcome
    turn: int
    next: str
    rows: tuple[Row, ...]

    @classmethod
    def of(cls, outcome: Outcome, after: Encounter) -> Target:
        rows = tuple(Row(c.label, c.hp, c.mp, c.statuses, c.cooldowns) for c in after.combatants)
        return cls(outcome, after.turn, after.actor, rows)

    def apply(self, before: Encounter) -> Encounter:
        """The encounter this block describes, taking fixed fields from `before`."""
        labels = tuple(c.label for c in before.combatants)
        if tuple(r.label for r in self.rows) != labels:
            raise TemplateError(f"target lists {' '.join(r.label for r in self.rows)}, prompt has {' '.join(labels)}")
        combatants = []
        for c, r in zip(before.combatants, self.rows, strict=True):
            if r.hp > c.max_hp or r.mp > c.max_mp:
                raise TemplateError(f"{r.label}: hp {r.hp}/mp {r.mp} above max {c.max_hp}/{c.max_mp}")
            if tuple(a for a, _ in r.cooldowns) != tuple(a for a, _ in c.cooldowns):
                raise TemplateError(f"{r.label}: cooldown slots differ from the prompt's")
            combatants.append(c.with_(hp=r.hp, mp=r.mp, statuses=r.statuses, cooldowns=r.cooldowns))
        if self.next != END and self.next not in labels:
            raise TemplateError(f"next: no combatant {self.next!r}")
        return Encounter(self.turn, self.next, tuple(combatants))


# --- writing ---------------------------------------------------------------


def _statuses(statuses: tuple[Status, ...]) -> str:
    return "".join(f" {s.name} {s.turns} {s.power}" for s in statuses)


def _cooldowns(cooldowns: tuple[tuple[str, int], ...]) -> str:
    return "".join(f" {a} {t}" for a, t in cooldowns)


def _combatant_line(c: Combatant) -> str:
    return (
        f"{c.label} {c.kind} hp {c.hp}/{c.max_hp} mp {c.mp}/{c.max_mp} atk {c.atk} def {c.defence}"
        f" st{_statuses(c.statuses)} cd{_cooldowns(c.cooldowns)}"
    )


def serialize_prompt(encounter: Encounter, action: Action, rolls: Rolls) -> str:
    head = f"{VERSION} turn {encounter.turn} {encounter.actor} {action.ability} {action.target} roll {rolls.d20} {rolls.d4}"
    return "\n".join([head, *(_combatant_line(c) for c in encounter.combatants)])


def serialize_target(target: Target) -> str:
    o = target.outcome
    lines = [f"tick {o.tick:+d} {o.result} {o.amount}", f"turn {target.turn} next {target.next}"]
    for r in target.rows:
        lines.append(f"{r.label} hp {r.hp} mp {r.mp} st{_statuses(r.statuses)} cd{_cooldowns(r.cooldowns)}")
    return "\n".join(lines)


# --- reading ---------------------------------------------------------------


class _Words:
    """A cursor over one line's words; every failure names the line and field."""

    def __init__(self, line: str, where: str):
        self.where = where
        if line != line.strip() or "  " in line or "\t" in line:
            self.fail("stray whitespace (fields are separated by single spaces)")
        self.words = line.split(" ") if line else []
        self.i = 0

    def fail(self, what: str):
        raise TemplateError(f"{self.where}: {what}")

    def peek(self) -> str | None:
        return self.words[self.i] if self.i < len(self.words) else None

    def word(self, field: str) -> str:
        w = self.peek()
        if w is None:
            self.fail(f"line ends before {field}")
        self.i += 1
        return w

    def expect(self, keyword: str) -> None:
        w = self.word(f"'{keyword}'")
        if w != keyword:
            self.fail(f"expected '{keyword}', got {w!r}")

    def number(self, field: str, lo: int, hi: int, signed: bool = False) -> int:
        w = self.word(field)
        body = w[1:] if signed and w[:1] in "+-" else w
        canonical = body.isascii() and body.isdigit() and (len(body) == 1 or body[0] != "0") and w != "-0"
        if signed and w[:1] not in "+-" or not canonical:
            self.fail(f"{field}: expected {'a signed' if signed else 'a'} number, got {w!r}")
        if len(body) > 18:  # before int(): 5,000 digits would be a ValueError, not a range error
            self.fail(f"{field}: a number of {len(body):,} digits is outside {lo}..{hi}")
        value = int(w)
        if not lo <= value <= hi:
            self.fail(f"{field}: {value} is outside {lo}..{hi}")
        return value

    def pair(self, field: str, hi_first: int, hi_second: int) -> tuple[int, int]:
        w = self.word(field)
        a, sep, b = w.partition("/")
        if not sep:
            self.fail(f"{field}: expected value/max, got {w!r}")
        sub = _Words(f"{a} {b}", self.where)
        return sub.number(field, 0, hi_first), sub.number(f"max {field}", 0, hi_second)

    def end(self) -> None:
        if self.peek() is not None:
            self.fail(f"unexpected {self.peek()!r} at the end of the line")

    def statuses(self, content: Content) -> tuple[Status, ...]:
        self.expect("st")
        out: list[Status] = []
        order = content.status_order
        while self.peek() not in (None, "cd"):
            name = self.word("status")
            if name not in content.statuses:
                self.fail(f"unknown status {name!r}")
            if out and order.index(name) <= order.index(out[-1].name):
                self.fail(f"status {name!r} out of order or repeated (order: {' '.join(order)})")
            out.append(Status(name, self.number(f"{name} turns", 1, MAX_TURNS), self.number(f"{name} power", 0, MAX_TURNS)))
        return tuple(out)

    def cooldowns(self, content: Content) -> tuple[tuple[str, int], ...]:
        self.expect("cd")
        out: list[tuple[str, int]] = []
        while self.peek() is not None:
            name = self.word("cooldown slot")
            if name not in content.abilities or not content.abilities[name].cooldown:
                self.fail(f"{name!r} is not an ability with a cooldown")
            if name in dict(out):
                self.fail(f"cooldown slot {name!r} repeated")
            out.append((name, self.number(f"{name} cooldown", 0, MAX_TURNS)))
        return tuple(out)


def _lines(text: str, what: str, least: int) -> list[str]:
    if not isinstance(text, str):
        raise TemplateError(f"{what}: expected text, got {type(text).__name__}")
    lines = text.split("\n")
    if len(lines) < least:
        raise TemplateError(f"{what}: expected at least {least} lines, got {len(lines)}")
    head = least - 2  # lines before the combatants: the least is head, hero, one monster
    if len(lines) > head + len(LABELS):
        raise TemplateError(f"{what}: at most {len(LABELS)} combatants, got {len(lines) - head}")
    return lines


def parse_prompt(text: str, content: Content | None = None) -> Prompt:
    """Read a prompt; raises TemplateError naming the line and field at fault."""
    content = content or default()
    lines = _lines(text, "prompt", 3)
    w = _Words(lines[0], "line 1 (head)")
    version = w.word("version")
    if version != VERSION:
        w.fail(f"template version {version!r}, this game reads {VERSION!r}")
    w.expect("turn")
    turn = w.number("turn", 1, MAX_TURN)
    actor = w.word("actor")
    ability = w.word("action")
    if ability not in content.abilities:
        w.fail(f"unknown action {ability!r}")
    target = w.word("target")
    w.expect("roll")
    rolls = Rolls(w.number("d20", 1, 20), w.number("d4", 1, 4))
    w.end()

    combatants = []
    for n, line in enumerate(lines[1:]):
        label = LABELS[n]
        w = _Words(line, f"line {n + 2} ({label})")
        got = w.word("label")
        if got != label:
            w.fail(f"expected combatant {label!r} here, got {got!r}")
        kind = w.word("kind")
        if label == HERO and kind != HERO_KIND:
            w.fail(f"the hero is a {HERO_KIND}, got {kind!r}")
        if label != HERO and kind not in content.monsters:
            w.fail(f"unknown monster {kind!r}")
        w.expect("hp")
        hp, max_hp = w.pair("hp", MAX_STAT, MAX_STAT)
        w.expect("mp")
        mp, max_mp = w.pair("mp", MAX_MP, MAX_MP)
        if hp > max_hp or mp > max_mp or max_hp == 0:
            w.fail(f"hp {hp}/{max_hp} mp {mp}/{max_mp}: value above its max, or max hp 0")
        w.expect("atk")
        atk = w.number("atk", 0, MAX_ATK)
        w.expect("def")
        defence = w.number("def", 0, MAX_DEF)
        statuses = w.statuses(content)
        cooldowns = w.cooldowns(content)
        w.end()
        if hp == 0 and statuses:
            w.fail("a dead combatant has no statuses")
        combatants.append(Combatant(label, kind, hp, max_hp, mp, max_mp, atk, defence, statuses, cooldowns))

    labels = [c.label for c in combatants]
    for field, label in (("actor", actor), ("target", target)):
        if label not in labels:
            raise TemplateError(f"line 1 (head): {field}: no combatant {label!r}")
    return Prompt(Encounter(turn, actor, tuple(combatants)), Action(ability, target), rolls)


def parse_target(text: str, content: Content | None = None) -> Target:
    """Read a next-state block; raises TemplateError naming the line and field."""
    content = content or default()
    lines = _lines(text, "target", 4)
    w = _Words(lines[0], "line 1 (outcome)")
    w.expect("tick")
    tick = w.number("tick", -3 * MAX_TURNS, 3 * MAX_TURNS, signed=True)
    result = w.word("result")
    if result not in RESULTS:
        w.fail(f"unknown result {result!r} (one of {', '.join(RESULTS)})")
    amount = w.number("amount", 0, MAX_STAT)
    w.end()
    w = _Words(lines[1], "line 2 (clock)")
    w.expect("turn")
    turn = w.number("turn", 1, MAX_TURN)
    w.expect("next")
    nxt = w.word("next")
    if nxt not in (*LABELS, END):
        w.fail(f"next: unknown combatant {nxt!r}")
    w.end()
    rows = []
    for n, line in enumerate(lines[2:]):
        label = LABELS[n]
        w = _Words(line, f"line {n + 3} ({label})")
        got = w.word("label")
        if got != label:
            w.fail(f"expected combatant {label!r} here, got {got!r}")
        w.expect("hp")
        hp = w.number("hp", 0, MAX_STAT)
        w.expect("mp")
        mp = w.number("mp", 0, MAX_MP)
        rows.append(Row(label, hp, mp, w.statuses(content), w.cooldowns(content)))
        w.end()
    return Target(Outcome(tick, result, amount), turn, nxt, tuple(rows))
