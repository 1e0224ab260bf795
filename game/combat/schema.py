"""The combat template's schema: every field of a prompt and a target, once.

A line is a layout of items: fixed keywords (`Lit`), words drawn from a class
(`Word`: a label, a monster kind, an ability...), numbers (`Num`, each with
its range), a value and its max joined by a slash (`Slash`), repeated groups
(`Each`: statuses, cooldown slots) and running sums (`Terms`, the work lines of
v2). Reading and writing (game/template.py), the tokenizer's number widths,
the structure embeddings' field words (model/tokenizer.py), the target
grammar (model/grammar.py), the input guard's ranges (model/guard.py) and the
content limits (game/content.py) are all derived from these declarations;
a new template version is one new `Version`.

Who may change a field: `changes=True` marks what a transition writes in its
target rows (hp, mp, statuses, cooldowns); everything else (kind, max hp, atk,
def) is fixed for the encounter, so a row is the combatant layout with the
fixed items left out (`Version.row`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- numbers -----------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A number field: its name (as the guard and the docs say it), its range,
    and whether it is written with a sign (`+3`, `-2`; never `-0`)."""

    name: str
    lo: int
    hi: int
    signed: bool = False

    @property
    def width(self) -> int:
        """Digits the tokenizer writes for it: enough for its widest value."""
        return len(str(max(abs(self.lo), abs(self.hi))))

    def __contains__(self, value: int) -> bool:
        return self.lo <= value <= self.hi


TURN = Number("turn", 1, 999)  # the encounter's turn counter saturates at the top
D20 = Number("d20", 1, 20)  # 1-3 misses, 20 is a critical hit
D4 = Number("d4", 1, 4)  # added to damage and healing
HP = Number("hp", 0, 99)
MAX_HP = Number("max_hp", 1, 99)
MP = Number("mp", 0, 30)
MAX_MP = Number("max_mp", 0, 30)
ATK = Number("atk", 0, 20)
DEF = Number("def", 0, 12)
STATUS_TURNS = Number("status_turns", 1, 9)
STATUS_POWER = Number("status_power", 0, 9)
COOLDOWN = Number("cooldown", 0, 9)
TICK = Number("tick", -27, 27, signed=True)  # up to three ticking statuses of power 9
AMOUNT = Number("amount", 0, 99)
# abilities' own numbers: written by v2's work lines as the `base` term
BASE_DAMAGE = Number("base_damage", -5, 9, signed=True)
BASE_HEAL = Number("base_heal", 0, 20, signed=True)
COST = Number("cost", 0, 9)  # mp an ability costs (content only: the row shows mp after)
# v4's rule lines: how the acting ability works, and what each status present does
FLAG = Number("flag", 0, 1)  # a yes/no of an ability's rule: the actor's atk adds, the hit pierces def
TICK_SIGN = Number("tick_sign", -1, 1, signed=True)  # a status's power each turn: -1 damage, +1 heal, +0 none
# v2's work lines: a step's running total, and a change of hp
TOTAL = Number("total", -99, 99, signed=True)
DELTA = Number("delta", -99, 99, signed=True)
# an hp plus its change, at least 0: past the max when a heal or a regen tick overflows it
SUM = Number("sum", 0, HP.hi + max(TICK.hi, BASE_HEAL.hi + D4.hi))

# The ranges of a prompt's numbers, by name: what the guard allows when a
# model's weights carry no trained ranges, and what content must stay inside.
PROMPT_NUMBERS = {n.name: n for n in (TURN, D20, D4, HP, MAX_HP, MP, MAX_MP, ATK, DEF, STATUS_TURNS,
                                      STATUS_POWER, COOLDOWN)}

# --- words ---------------------------------------------------------------------

HERO = "hero"
MONSTER_LABELS = ("m1", "m2", "m3")
LABELS = (HERO, *MONSTER_LABELS)  # the order of combatant lines
END = "end"  # the `next` of an encounter that is over
HERO_KIND = "knight"
RESULTS = ("hit", "crit", "miss", "heal", "buff", "stunned", "down")
# Statuses the rules read by name (a guard blunts hits, a stun costs the
# action): content words that content must define, not the template's own.
RULE_STATUSES = ("guard", "stun")
AIMS = ("foe", "self")  # v4: whom an ability is aimed at (content says enemy or self)

# Word classes (a `Word` item's `cls`): label, next (a label or end),
# version, result, and the content's kind, ability, status and slot (an
# ability with a cooldown), which come from the YAML in assets/.

# --- layouts -------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """A keyword written as is."""

    word: str


@dataclass(frozen=True)
class Word:
    """One word of a class: `label`, `next` (a label or end), `version`,
    `result`, or a content class."""

    name: str
    cls: str


@dataclass(frozen=True)
class Num:
    number: Number
    changes: bool = False


@dataclass(frozen=True)
class Flag:
    """An optional `word NUMBER`, written only when what it says holds
    (`max 30`: the sum went past the combatant's max hp, which it is held to)."""

    word: str
    number: Number


@dataclass(frozen=True)
class Slash:
    """Joins the numbers either side without spaces: `hp 37/40`."""


@dataclass(frozen=True)
class Each:
    """Zero or more `word n...` groups: a combatant's statuses (in content
    order) or cooldown slots (its kind's abilities with a cooldown, in order)."""

    name: str
    cls: str
    numbers: tuple[Number, ...]
    changes: bool = False


@dataclass(frozen=True)
class Terms:
    """A running sum: `part ±n` terms, each after the first followed by
    `= ±total`. `parts` are the words a term may start with, in the order
    terms are written (or a content class: the statuses that tick, in content
    order); `numbers` gives each part's range: that of the field it copies."""

    name: str
    parts: tuple[str, ...] | str
    numbers: dict[str, Number] | Number

    def number(self, part: str) -> Number:
        """A term's range: signed, as wide either way as the field it copies
        (which way a term counts is the writer's to say)."""
        source = self.numbers[part] if isinstance(self.numbers, dict) else self.numbers
        top = max(abs(source.lo), abs(source.hi))
        return Number(source.name, -top, top, signed=True)


Item = Lit | Word | Num | Flag | Slash | Each | Terms


@dataclass(frozen=True)
class Line:
    """A kind of line: its name (as errors and the structure scanner say it),
    and its items. `lead` is the line's first word, which tells the line's
    kind: a keyword, or `label` for a combatant's line."""

    name: str
    items: tuple[Item, ...]

    @property
    def lead(self) -> str:
        first = self.items[0]
        return first.word if isinstance(first, Lit) else first.cls


HEAD = Line("head", (Word("version", "version"), Lit("turn"), Num(TURN), Word("actor", "label"),
                     Word("action", "ability"), Word("target", "label"), Lit("roll"), Num(D20), Num(D4)))
COMBATANT = Line("combatant", (
    Word("label", "label"), Word("kind", "kind"),
    Lit("hp"), Num(HP, changes=True), Slash(), Num(MAX_HP),
    Lit("mp"), Num(MP, changes=True), Slash(), Num(MAX_MP),
    Lit("atk"), Num(ATK), Lit("def"), Num(DEF),
    Lit("st"), Each("statuses", "status", (STATUS_TURNS, STATUS_POWER), changes=True),
    Lit("cd"), Each("cooldowns", "slot", (COOLDOWN,), changes=True),
))
# v4: the rules the turn uses, in the prompt, so the network reads them
# instead of recalling them per name (docs/template.md, "v4"). The statuses
# line lists every status present or applied, in content order, each with
# its tick's sign; the rule line is the acting ability's numbers.
STATUSES = Line("statuses", (Lit("statuses"), Each("kinds", "status", (TICK_SIGN,))))
RULE = Line("rule", (Lit("rule"), Word("ability", "ability"), Word("aim", "aim"), Lit("base"), Num(BASE_DAMAGE),
                     Lit("withatk"), Num(FLAG), Lit("pierce"), Num(FLAG), Lit("mend"), Num(BASE_HEAL),
                     Lit("cost"), Num(COST), Lit("cool"), Num(COOLDOWN), Lit("puts"),
                     Each("puts", "status", (STATUS_TURNS, STATUS_POWER))))
OUTCOME = Line("outcome", (Lit("tick"), Num(TICK), Word("result", "result"), Num(AMOUNT)))
CLOCK = Line("clock", (Lit("turn"), Num(TURN), Lit("next"), Word("next", "next")))


def _changing(line: Line, name: str) -> Line:
    """The items of `line` a transition may change, each with its keyword,
    and the combatant's label: a target row."""
    items: list[Item] = [line.items[0]]
    for before, item in zip(line.items[1:], line.items[2:], strict=False):
        if getattr(item, "changes", False):
            items += [before, item]
    return Line(name, tuple(items))


ROW = _changing(COMBATANT, "row")

# v2's work lines: the steps of a turn's arithmetic, each one small operation
# on values copied a few tokens back (see docs/template.md).
TICKS = Line("ticks", (Lit("ticks"), Terms("ticks", "status", STATUS_POWER)))
HP_CHANGE_V2 = Line("hp change", (Word("label", "label"), Lit("hp"), Num(HP), Num(DELTA), Lit("="), Num(SUM),
                                  Flag("max", MAX_HP)))
# v3: the max beside the hp, as the prompt writes it, so whether the sum went
# past it compares two numbers a few tokens apart (v2: 100 tokens back)
HP_CHANGE = Line("hp change", (Word("label", "label"), Lit("hp"), Num(HP), Slash(), Num(MAX_HP), Num(DELTA), Lit("="),
                               Num(SUM), Flag("max", MAX_HP)))
DAMAGE = Line("damage", (Lit("damage"), Terms("damage", ("base", "atk", "roll", "def", "guard"),
                                               {"base": BASE_DAMAGE, "atk": ATK, "roll": D4, "def": DEF,
                                                "guard": STATUS_POWER})))
HEALING = Line("healing", (Lit("healing"), Terms("healing", ("base", "roll"), {"base": BASE_HEAL, "roll": D4})))
ALIVE = Line("alive", (Lit("alive"), Each("alive", "label", ())))
WORK_V2 = (TICKS, HP_CHANGE_V2, DAMAGE, HEALING, ALIVE)
WORK = (TICKS, HP_CHANGE, DAMAGE, HEALING, ALIVE)


@dataclass(frozen=True)
class Version:
    """One version of the template: its tag and the lines of its texts."""

    tag: str
    prompt: tuple[Line, ...] = (HEAD, COMBATANT)  # v4: HEAD, STATUSES, RULE, COMBATANT
    block: tuple[Line, ...] = (OUTCOME, CLOCK, ROW)  # the canonical next-state block
    work: tuple[Line, ...] = ()  # the steps written before the block
    lines: tuple[Line, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", (*self.prompt, *self.work, *self.block))

    def line(self, name: str) -> Line:
        """The work line called `name` (`hp change`, `damage`...)."""
        return next(line for line in self.work if line.name == name)

    @property
    def rules(self) -> bool:
        """Whether its prompts carry the turn's rules (v4 on)."""
        return STATUSES in self.prompt


V1 = Version("v1")
V2 = Version("v2", work=WORK_V2)
V3 = Version("v3", work=WORK)  # v2 with the max beside each hp line's hp
V4 = Version("v4", prompt=(HEAD, STATUSES, RULE, COMBATANT), work=WORK)  # v3 with the turn's rules in the prompt
VERSIONS = {v.tag: v for v in (V1, V2, V3, V4)}
CURRENT = V3  # what the game writes: the bundled model reads v3 (a v4 model is given v4: model/slots.py)



# --- what is derived -------------------------------------------------------------


def keywords(version: Version = CURRENT) -> tuple[str, ...]:
    """The template's own keywords, in the order the layouts first use them."""
    out: list[str] = []
    for line in version.lines:
        for item in line.items:
            if isinstance(item, Lit | Flag):
                out.append(item.word)
            elif isinstance(item, Terms) and not isinstance(item.parts, str):
                out += [p for p in item.parts if p not in RULE_STATUSES]
    if any(isinstance(i, Terms) for line in version.lines for i in line.items):
        out.append("=")
    return tuple(dict.fromkeys(out))


def reserved(version: Version = CURRENT) -> frozenset[str]:
    """Words content may not use as names: the template reads them as its
    own (a status called `cd` would end the statuses), and the tokenizer's
    digit tokens (`u5` is a units digit)."""
    digits = {f"{place}{d}" for place in "uth" for d in range(10)}
    tags = set(VERSIONS)
    return frozenset({*keywords(version), *(w for v in VERSIONS.values() for w in keywords(v)), *LABELS, END,
                      HERO_KIND, *tags, *digits})


def widths(version: Version = CURRENT) -> dict[str, int]:
    """How many digits follow each kind of word, keyed by a keyword, `/`,
    a sign (`+`, `-`), `=`, or `<class>` for words of a class. A number
    right after another number (a d4 after the d20, a status's power after
    its turns) has the width of `<number>`.

    Where one key is followed by numbers of different widths in different
    lines, the widest wins: the tokenizer writes a number from the word
    before it alone, so a key has one width everywhere."""
    out: dict[str, int] = {}

    def note(key: str, number: Number) -> None:
        out[key] = max(out.get(key, 0), number.width)

    for line in version.lines:
        before: str | None = None
        for item in line.items:
            if isinstance(item, Lit):
                before = item.word
            elif isinstance(item, Flag):
                note(item.word, item.number)
                before = "<number>"
            elif isinstance(item, Word):
                before = f"<{item.cls}>"
            elif isinstance(item, Slash):
                before = "/"
            elif isinstance(item, Num):
                key = "+" if item.number.signed else before or "<number>"
                note(key, item.number)
                if item.number.signed:
                    note("-", item.number)
                before = "<number>"
            elif isinstance(item, Each):
                for n, number in enumerate(item.numbers):
                    note(f"<{item.cls}>" if n == 0 else "<number>", number)
                before = "<number>" if item.numbers else f"<{item.cls}>"
            elif isinstance(item, Terms):
                numbers = item.numbers.values() if isinstance(item.numbers, dict) else [item.numbers]
                for number in [*numbers, TOTAL]:
                    note("+", number)
                    note("-", number)
                before = "<number>"
    if out.get("<number>", 1) != 1:  # a number after a number: see the tokenizer
        raise AssertionError("a number right after another number must be one digit")
    return out
