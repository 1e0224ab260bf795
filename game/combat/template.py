"""The combat template: the text contract between the game and the model.

A prompt is the whole encounter, the action and the dice; a target is the
turn's work (v2 on: each step of its arithmetic on a line) and then the
canonical next-state block. One state has exactly one text (fixed field
order, statuses in content order, cooldown slots in ability order, single
spaces), so `parse(serialize(x)) == x` and the text round-trips byte for byte.

    v3 turn 12 m1 ignite hero roll 14 3
    hero knight hp 37/40 mp 8/12 atk 6 def 3 st poison 3 2 cd poison_strike 0 ignite 2 heal 0 guard 0
    m1 goblin hp 12/15 mp 4/6 atk 4 def 1 st burn 2 3 cd ignite 0

    ticks burn -3
    m1 hp 12/15 -3 = 9
    damage base +2 roll +3 = +5
    hero hp 37/40 -5 = 32
    alive hero m1
    tick -3 hit 5
    turn 13 next hero
    hero hp 32 mp 8 st poison 3 2 burn 2 3 cd poison_strike 0 ignite 2 heal 0 guard 0
    m1 hp 9 mp 1 st burn 1 3 cd ignite 2

Every line's layout, every field's range and which fields a turn may change
are declared once in game/schema.py; this module reads and writes texts by
those layouts. Older texts are read too: v1 (the block alone) and v2 (hp
lines without the max beside the hp); the engine answers a prompt in its
own version. The field legend is in
docs/template.md.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from game.combat import schema
from game.combat.content import Content, default
from game.combat.encounter import (
    END,
    HERO,
    HERO_KIND,
    LABELS,
    Action,
    Alive,
    Combatant,
    Encounter,
    HpChange,
    Outcome,
    Rolls,
    Status,
    Step,
    Sum,
)
from game.combat.schema import Each, Flag, Line, Lit, Num, Slash, Terms, Word

VERSION = schema.CURRENT.tag


class TemplateError(ValueError):
    """A text that is not a valid prompt or target; says what and where."""


@dataclass(frozen=True)
class Prompt:
    encounter: Encounter
    action: Action
    rolls: Rolls
    version: str = VERSION  # the tag it was written with


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
    """The canonical next-state block: what happened and what changed (and,
    in `outcome.work`, the steps v2 writes before it)."""

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


def _write(line: Line, values: list) -> str:
    """One line from its values, one per item that is not a keyword or slash:
    a word, a number, a list of groups (Each) or of terms (Terms)."""
    words: list[str] = []
    given = iter(values)
    glue = False
    for item in line.items:
        if isinstance(item, Slash):
            glue = True
            continue
        if isinstance(item, Lit):
            piece = item.word
        elif isinstance(item, Flag):
            value = next(given)
            piece = "" if value is None else f"{item.word} {value}"
        elif isinstance(item, Num):
            value = next(given)
            piece = f"{value:+d}" if item.number.signed else str(value)
        elif isinstance(item, Word):
            piece = next(given)
        elif isinstance(item, Each):
            piece = " ".join(" ".join([group[0], *(f"{v:+d}" if spec.signed else str(v)
                                                   for v, spec in zip(group[1:], item.numbers, strict=True))])
                             for group in next(given))
        else:  # Terms: `part ±v`, then `= ±total` after every term but the first
            terms, totals = next(given)
            piece = " ".join(f"{part} {value:+d}" + (f" = {total:+d}" if n else "")
                             for n, ((part, value), total) in enumerate(zip(terms, totals, strict=True)))
        if glue:
            words[-1] += "/" + piece
            glue = False
        elif piece:
            words.append(piece)
    return " ".join(words)


def _combatant_values(c: Combatant) -> list:
    return [c.label, c.kind, c.hp, c.max_hp, c.mp, c.max_mp, c.atk, c.defence,
            [(s.name, s.turns, s.power) for s in c.statuses], c.cooldowns]


def _tick_sign(kind: str) -> int:
    return {"damage": -1, "heal": 1}.get(kind, 0)


def rule_lines(encounter: Encounter, action: Action, content: Content) -> list[str]:
    """v4's statuses and rule lines: what each status present or applied
    does, in content order, and the acting ability's numbers."""
    ability = content.abilities[action.ability]
    present = {s.name for c in encounter.combatants for s in c.statuses}
    if ability.applies:
        present.add(ability.applies.status)
    return [statuses_line(present, content), rule_line(ability.name, content)]


def statuses_line(present: set[str], content: Content) -> str:
    """v4's statuses line: each status of `present` and its tick's sign, in content order."""
    kinds = [(name, _tick_sign(content.statuses[name].tick)) for name in content.status_order if name in present]
    return _write(schema.STATUSES, [kinds])


def rule_line(name: str, content: Content) -> str:
    """v4's rule line of one ability: its numbers, as the engine reads them."""
    ability = content.abilities[name]
    puts = [(ability.applies.status, ability.applies.turns, ability.applies.power)] if ability.applies else []
    aim = "foe" if ability.attacks else "self"
    return _write(schema.RULE, [ability.name, aim, ability.damage, int(ability.uses_atk), int(ability.pierce),
                                ability.heal, ability.cost, ability.cooldown, puts])


def combatant_line(c: Combatant) -> str:
    return _write(schema.COMBATANT, _combatant_values(c))


def serialize_prompt(encounter: Encounter, action: Action, rolls: Rolls, version: str = VERSION,
                     content: Content | None = None) -> str:
    """The prompt text; v4's carries the turn's rules, from `content` (the
    bundled content if none is given)."""
    head = _write(schema.HEAD, [version, encounter.turn, encounter.actor, action.ability, action.target, rolls.d20, rolls.d4])
    rules = rule_lines(encounter, action, content or default()) if schema.VERSIONS[version].rules else []
    return "\n".join([head, *rules, *(combatant_line(c) for c in encounter.combatants)])


def _step_line(step: Step, version: schema.Version) -> str:
    if isinstance(step, Sum):
        return _write(version.line(step.kind), [(step.terms, step.totals)])
    if isinstance(step, HpChange):
        line = version.line("hp change")
        beside = [step.cap] if any(isinstance(i, Slash) for i in line.items) else []  # v3: `hp 29/30`
        return _write(line, [step.label, step.before, *beside, step.delta, step.total, step.cap if step.past else None])
    return _write(version.line("alive"), [[(label,) for label in step.labels]])


def serialize_target(target: Target, version: str = VERSION) -> str:
    """The target text; in a version with work lines, the outcome's steps
    come first (a block read from a v1 text has none: see `work`)."""
    o = target.outcome
    v = schema.VERSIONS[version]
    lines = [_step_line(step, v) for step in o.work] if v.work else []
    lines.append(_write(schema.OUTCOME, [o.tick, o.result, o.amount]))
    lines.append(_write(schema.CLOCK, [target.turn, target.next]))
    for r in target.rows:
        lines.append(_write(schema.ROW, [r.label, r.hp, r.mp, [(s.name, s.turns, s.power) for s in r.statuses],
                                         r.cooldowns]))
    return "\n".join(lines)


def current(prompt: str, content: Content | None = None) -> str:
    """A prompt in this template's version (an older prompt has the same
    layout under another tag: a v1 battle save asked again); TemplateError
    if it does not parse."""
    p = parse_prompt(prompt, content)
    return prompt if p.version == VERSION else serialize_prompt(p.encounter, p.action, p.rolls)


def block(text: str) -> str:
    """The canonical next-state block of a target text: the text from its
    outcome line on (a v1 target is all block)."""
    at = text.find("tick ") if text.startswith("tick ") else text.find("\ntick ") + 1
    return text[at:] if at >= 0 else text


# --- reading ---------------------------------------------------------------


_NOUNS = {"label": "combatant", "kind": "monster", "slot": "cooldown slot", "action": "action", "version": "version"}


def _label(name: str) -> str:
    return name.replace("_", " ")


class _Words:
    """A cursor over one line's words; every failure names the line and field."""

    def __init__(self, line: str, where: str):
        self.line, self.where = line, where
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

    def number(self, field: str, spec: schema.Number, text: str | None = None) -> int:
        w = self.word(field) if text is None else text
        signed = spec.signed
        body = w[1:] if signed and w[:1] in "+-" else w
        canonical = body.isascii() and body.isdigit() and (len(body) == 1 or body[0] != "0") and w != "-0"
        if signed and w[:1] not in "+-" or not canonical:
            self.fail(f"{field}: expected {'a signed' if signed else 'a'} number, got {w!r}")
        if len(body) > 18:  # before int(): 5,000 digits would be a ValueError, not a range error
            self.fail(f"{field}: a number of {len(body):,} digits is outside {spec.lo}..{spec.hi}")
        value = int(w)
        if value not in spec:
            self.fail(f"{field}: {value} is outside {spec.lo}..{spec.hi}")
        return value

    def end(self) -> None:
        if self.peek() is not None:
            self.fail(f"unexpected {self.peek()!r} at the end of the line")

    def read(self, line: Line, classes: dict[str, Collection[str]], fixed: dict[str, str] | None = None) -> list:
        """The values of `line`'s items, in the order `_write` takes them.
        `classes` gives the words each class admits (in order, for ordered
        groups); `fixed` the one word a `Word` must be here (a row's label)."""
        values: list = []
        items = line.items
        for n, item in enumerate(items):
            if isinstance(item, Lit):
                self.expect(item.word)
            elif isinstance(item, Flag):
                flagged = self.peek() == item.word
                self.i += flagged
                values.append(self.number(f"{item.word} {_label(item.number.name)}", item.number) if flagged else None)
            elif isinstance(item, Word):
                w = self.word(item.name)
                want = (fixed or {}).get(item.name)
                if want is not None and w != want:
                    self.fail(f"the hero is a {want}, got {w!r}" if item.cls == "kind" else
                              f"expected {_NOUNS.get(item.cls, item.cls)} {want!r} here, got {w!r}")
                if want is None and w not in classes[item.cls]:
                    self.fail(f"unknown {_NOUNS.get(item.name) or _NOUNS.get(item.cls, item.cls)} {w!r}")
                values.append(w)
            elif isinstance(item, Num):
                if n + 2 < len(items) and isinstance(items[n + 1], Slash):
                    continue  # read with the number after the slash
                if n > 1 and isinstance(items[n - 1], Slash):
                    values += self._pair(items[n - 2].number, item.number)
                else:
                    values.append(self.number(_label(item.number.name), item.number))
            elif isinstance(item, Each):
                stop = items[n + 1].word if n + 1 < len(items) and isinstance(items[n + 1], Lit) else None
                values.append(self._each(item, classes[item.cls], stop))
            elif isinstance(item, Terms):
                values.append(self._terms(item, classes))
        self.end()
        return values

    def _pair(self, first: schema.Number, second: schema.Number) -> list[int]:
        field = _label(first.name)
        w = self.word(field)
        a, sep, b = w.partition("/")
        if not sep:
            self.fail(f"{field}: expected value/max, got {w!r}")
        return [self.number(field, first, a), self.number(_label(second.name), second, b)]

    def _each(self, item: Each, admitted: Collection[str], stop: str | None) -> list[tuple]:
        order = list(admitted)
        groups: list[tuple] = []
        while self.peek() not in (None, stop):
            name = self.word(item.cls)
            if name not in admitted:
                self.fail(f"unknown {item.cls} {name!r}" if item.cls != "slot"
                          else f"{name!r} is not an ability with a cooldown")
            if any(g[0] == name for g in groups):
                self.fail(f"{_NOUNS.get(item.cls, item.cls)} {name!r} repeated" if item.cls != "status"
                          else f"status {name!r} out of order or repeated (order: {' '.join(order)})")
            if item.cls != "slot" and groups and order.index(name) < order.index(groups[-1][0]):
                self.fail(f"{item.cls} {name!r} out of order or repeated (order: {' '.join(order)})")
            numbers = [self.number(f"{name} {n.name.split('_')[-1]}", n) for n in item.numbers]
            groups.append((name, *numbers))
        return groups

    def _terms(self, item: Terms, classes: dict[str, Collection[str]]) -> tuple[tuple, tuple]:
        """(terms, running totals) as written: the totals are read, not
        checked, so a model's slip in its work is a divergence, not garbage."""
        parts = list(classes[item.parts]) if isinstance(item.parts, str) else list(item.parts)
        terms: list[tuple[str, int]] = []
        totals: list[int] = []
        while self.peek() is not None:
            part = self.word("term")
            if part not in parts:
                self.fail(f"{item.name}: unknown term {part!r} (one of {', '.join(parts)})")
            if terms and parts.index(part) <= parts.index(terms[-1][0]):
                self.fail(f"{item.name}: term {part!r} out of order or repeated (order: {' '.join(parts)})")
            value = self.number(f"{item.name} {part}", item.number(part))
            if terms:
                self.expect("=")
            totals.append(self.number(f"{item.name} total", schema.TOTAL) if terms else value)
            terms.append((part, value))
        if not terms:
            self.fail(f"{item.name}: no terms")
        return tuple(terms), tuple(totals)


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


def _classes(content: Content) -> dict[str, Collection[str]]:
    return {
        "version": schema.VERSIONS, "label": LABELS, "next": (*LABELS, END), "result": schema.RESULTS,
        "kind": content.monsters, "ability": content.abilities, "status": content.status_order, "aim": schema.AIMS,
        "slot": [a for a, ab in content.abilities.items() if ab.cooldown],
    }


def parse_prompt(text: str, content: Content | None = None) -> Prompt:
    """Read a prompt of any version this game knows; raises TemplateError
    naming the line and field at fault."""
    content = content or default()
    classes = _classes(content)
    tag = text.split(" ", 1)[0] if isinstance(text, str) else None
    has_rules = tag in schema.VERSIONS and schema.VERSIONS[tag].rules
    lines = _lines(text, "prompt", 5 if has_rules else 3)  # v4: the statuses and rule lines after the head
    w = _Words(lines[0], "line 1 (head)")
    if tag not in schema.VERSIONS:
        w.fail(f"template version {tag!r}, this game reads {' and '.join(map(repr, schema.VERSIONS))}")
    version, turn, actor, ability, target, d20, d4 = w.read(schema.HEAD, classes)
    rules = lines[1:3] if has_rules else []
    if rules:
        lines = [lines[0], *lines[3:]]
        for n, (line, layout) in enumerate(zip(rules, (schema.STATUSES, schema.RULE), strict=True)):
            _Words(line, f"line {n + 2} ({layout.name})").read(layout, classes)

    combatants = []
    for n, line in enumerate(lines[1:]):
        label = LABELS[n]
        w = _Words(line, f"line {n + 2 + len(rules)} ({label})")
        fixed = {"label": label, "kind": HERO_KIND} if label == HERO else {"label": label}
        _, kind, hp, max_hp, mp, max_mp, atk, defence, statuses, cooldowns = w.read(schema.COMBATANT, classes, fixed)
        if hp > max_hp or mp > max_mp or max_hp == 0:
            w.fail(f"hp {hp}/{max_hp} mp {mp}/{max_mp}: value above its max, or max hp 0")
        if hp == 0 and statuses:
            w.fail("a dead combatant has no statuses")
        combatants.append(Combatant(label, kind, hp, max_hp, mp, max_mp, atk, defence,
                                    tuple(Status(*s) for s in statuses), tuple(cooldowns)))

    labels = [c.label for c in combatants]
    for field, label in (("actor", actor), ("target", target)):
        if label not in labels:
            raise TemplateError(f"line 1 (head): {field}: no combatant {label!r}")
    encounter, action = Encounter(turn, actor, tuple(combatants)), Action(ability, target)
    if rules:  # the rules written must be the content's: a prompt from other rules is not this game's
        for n, (got, want) in enumerate(zip(rules, rule_lines(encounter, action, content), strict=True)):
            if got != want:
                raise TemplateError(f"line {n + 2} ({('statuses', 'rule')[n]}): {_shown(got)} is not the content "
                                    f"in play, which has {_shown(want)} (played with another pack?)")
    return Prompt(encounter, action, Rolls(d20, d4), version)


def _shown(text: str, most: int = 80) -> str:
    return repr(text if len(text) <= most else text[:most] + "...")


# The order work lines come in (v2 on): the actor's tick and its hp; then a hit's
# damage and the target's hp, or a heal and the actor's hp; who is alive.
_WORK_ORDER = ({"ticks"}, {"hp change"}, {"damage", "healing"}, {"hp change"}, {"alive"})


# every version's work lines, newest first: a kind may have a layout per version
_WORK_LINES: tuple[Line, ...] = ()
for _v in reversed(schema.VERSIONS.values()):
    _WORK_LINES += tuple(line for line in _v.work if all(line is not seen for seen in _WORK_LINES))


def _read_any(w: _Words, layouts: list[Line], classes: dict[str, Collection[str]]) -> list:
    """The values of a line in the first layout that reads it; the newest layout's error if none does."""
    try:
        return w.read(layouts[0], classes)
    except TemplateError as newest:
        for layout in layouts[1:]:
            try:
                return _Words(w.line, w.where).read(layout, classes)
            except TemplateError:
                pass
        raise newest from None


def _hp_change(values: list) -> HpChange:
    if len(values) == 6:  # v3: `hero hp 29/30 +10 = 39 max 30`
        label, before, cap, delta, total, _ = values
        return HpChange(label, before, delta, total, cap)
    return HpChange(*values)  # v2: the max only where the sum went past it


def _work(lines: list[str], classes: dict[str, Collection[str]]) -> tuple[list[Step], int]:
    """The work lines at the start of a target, and how many there are."""
    steps: list[Step] = []
    stage = 0
    for n, line in enumerate(lines):
        lead = line.split(" ", 1)[0]
        if lead == "tick":
            return steps, n
        kinds = [k for k in _WORK_LINES if k.lead == lead or (k.lead == "label" and lead in LABELS)]
        w = _Words(line, f"line {n + 1} (work)")
        if not kinds:
            w.fail(f"expected a work line ({', '.join(k.name for k in schema.WORK)}) or the outcome line, got {lead!r}")
        kind = kinds[0]
        while stage < len(_WORK_ORDER) and kind.name not in _WORK_ORDER[stage]:
            stage += 1
        if stage == len(_WORK_ORDER):
            w.fail(f"a {kind.name} line out of order (work lines: ticks, hp, damage or healing, hp, alive)")
        stage += 1
        w.where = f"line {n + 1} ({kind.name})"
        values = _read_any(w, kinds, classes)
        if kind.name == "hp change":
            steps.append(_hp_change(values))
        elif kind is schema.ALIVE:
            steps.append(Alive(tuple(g[0] for g in values[0])))
        else:
            steps.append(Sum(kind.name, *values[0]))
    raise TemplateError(f"line {len(lines)}: the target ends before its outcome line ('tick ...')")


def parse_target(text: str, content: Content | None = None) -> Target:
    """Read a target: work lines, if any (v2 on), then the next-state block;
    raises TemplateError naming the line and field."""
    content = content or default()
    classes = _classes(content)
    if not isinstance(text, str):
        raise TemplateError(f"target: expected text, got {type(text).__name__}")
    all_lines = text.split("\n")
    work, skip = _work(all_lines, classes) if not text.startswith("tick ") else ([], 0)
    lines = _lines("\n".join(all_lines[skip:]), "target", 4)

    def where(n: int, what: str) -> str:
        return f"line {n + skip + 1} ({what})"

    tick, result, amount = _Words(lines[0], where(0, "outcome")).read(schema.OUTCOME, classes)
    turn, nxt = _Words(lines[1], where(1, "clock")).read(schema.CLOCK, classes)
    rows = []
    for n, line in enumerate(lines[2:]):
        label = LABELS[n]
        _, hp, mp, statuses, cooldowns = _Words(line, where(n + 2, label)).read(schema.ROW, classes, {"label": label})
        rows.append(Row(label, hp, mp, tuple(Status(*s) for s in statuses), tuple(cooldowns)))
    return Target(Outcome(tick, result, amount, tuple(work)), turn, nxt, tuple(rows))
