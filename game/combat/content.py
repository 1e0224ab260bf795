"""Game content from the YAML files in assets/ (and any packs laid over
them, game/combat/packs.py), validated at load.

A broken file never surfaces as a traceback: every problem becomes one
ContentError naming the file, the entry and what is wrong. Each file names
the fields its entries may have, so a misspelt field is refused (with the
nearest known one) instead of silently ignored.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from game.combat import schema
from game.combat.content_file import ContentError, shown
from game.combat.packs import gather

ASSETS = Path(__file__).resolve().parents[2] / "assets"

TICKS = ("damage", "heal", "none")
TARGETS = ("enemy", "self")
STYLES = ("brute", "caster", "cautious", "learned")  # learned: the tactician (model/specialists), else brute
STATS = ("max_hp", "max_mp", "atk", "def")
# What a monster kind grows by on each floor below its first, and the most a
# combat prompt can hold of it (a scaled monster must stay inside the template).
GROWS = {"hp": schema.MAX_HP.hi, "mp": schema.MAX_MP.hi, "atk": schema.ATK.hi, "def": schema.DEF.hi}
NAME = re.compile(r"[a-z][a-z0-9_]*(\.applies)?")

# The fields an entry of each file may have: anything else is a misspelling
FIELDS = {
    "statuses.yaml": ("tick", "describe", "adjective", "noun", "short"),
    "abilities.yaml": ("target", "damage", "uses_atk", "pierce", "heal", "cost", "cooldown", "applies", "item",
                       "describe", "verbs"),
    "applies": ("status", "turns", "power"),
    "monsters.yaml": ("glyph", "depth", "hp", "mp", "atk", "def", "xp", "abilities", "style", "boss", "grow"),
    "items.yaml": ("glyph", "title", "plural", "ability", "raises", "find", "describe"),
    "hero.yaml": ("hp", "mp", "atk", "def", "abilities", "per_level", "xp_per_level", "carries"),
    "classes.yaml": ("describe", "hp", "mp", "atk", "def", "abilities", "per_level", "carries"),
    "dungeon.yaml": ("floors", "groups", "groups_per_floor", "items", "group_sizes", "ahead"),
}


@dataclass(frozen=True)
class StatusKind:
    name: str
    tick: str
    describe: str
    adjective: str = ""  # the message log's words: "you are burning" ...
    noun: str = ""  # ... "3 damage from the burn"
    short: str = ""  # where space is tight: "psn 3/2"


@dataclass(frozen=True)
class Applies:
    status: str
    turns: int
    power: int


@dataclass(frozen=True)
class Ability:
    name: str
    target: str
    damage: int = 0
    uses_atk: bool = False
    pierce: bool = False
    heal: int = 0
    cost: int = 0
    cooldown: int = 0
    applies: Applies | None = None
    item: str | None = None
    describe: str = ""
    verbs: tuple[str, str] = ("", "")  # the message log's words: (said of you, said of a monster)

    @property
    def attacks(self) -> bool:
        return self.target == "enemy"


@dataclass(frozen=True)
class MonsterKind:
    name: str
    glyph: str
    depth: int
    hp: int
    mp: int
    atk: int
    defence: int
    xp: int
    abilities: tuple[str, ...]
    style: str
    boss: bool = False
    grow: dict[str, float] = field(default_factory=dict)  # per floor below `depth`

    def at(self, depth: int) -> dict[str, int]:
        """hp, mp, atk and def of this kind on floor `depth`: the base stats
        plus `grow` for each floor below its first (a fraction adds up: 0.5
        is +1 every second floor)."""
        below = max(0, depth - self.depth)
        base = {"hp": self.hp, "mp": self.mp, "atk": self.atk, "def": self.defence}
        return {stat: value + int(self.grow.get(stat, 0) * below) for stat, value in base.items()}


@dataclass(frozen=True)
class ItemKind:
    name: str
    glyph: str
    describe: str
    ability: str | None = None
    raises: dict[str, int] = field(default_factory=dict)
    title: str = ""  # what the player reads: "healing potion"
    plural: str = ""  # "healing potions"
    find: int = 0  # how often it lies on a floor, relative to the other items

    def called(self, count: int = 1) -> str:
        """'a healing potion', 'an iron skin charm', '3 healing potions'."""
        if count == 1:
            return ("an " if self.title[0] in "aeiou" else "a ") + self.title
        return f"{count} {self.plural}"


@dataclass(frozen=True)
class HeroKind:
    """The hero at level 1 and what each level adds: hero.yaml, with a class
    of classes.yaml laid over it (the template calls every hero `knight`:
    a class is the hero's numbers and action set, not a new kind)."""

    hp: int
    mp: int
    atk: int
    defence: int
    abilities: tuple[str, ...]
    per_level: dict[str, float]  # a fraction adds up over levels (0.5: +1 every second level)
    xp_per_level: int
    carries: dict[str, int] = field(default_factory=dict)  # items at the start of a run
    name: str = "knight"  # its class
    describe: str = ""


@dataclass(frozen=True)
class Descent:
    """The dungeon's shape: how deep it goes and what each floor holds."""

    floors: int  # the boss waits on the last one
    groups: int  # monster groups on the first floor
    groups_per_floor: int  # and more on each floor below
    items: tuple[int, int]  # least and most items lying on a floor
    # the odds of a group of 1, 2 and 3 monsters, a line a floor from the
    # first (the last line holds for the floors below it)
    group_sizes: tuple[tuple[int, int, int], ...] = ((4, 3, 2),)
    # the share of a floor's monsters drawn from the kinds first met on the
    # floor below, at their first floor's strength: what is coming shows
    # itself a floor early, so no floor is the first sight of all its kinds
    ahead: float = 0.0

    def sizes(self, depth: int) -> tuple[int, int, int]:
        """The odds of a group of 1, 2 and 3 monsters on floor `depth`."""
        return self.group_sizes[min(depth, len(self.group_sizes)) - 1]


@dataclass(frozen=True)
class Content:
    statuses: dict[str, StatusKind]
    abilities: dict[str, Ability]
    monsters: dict[str, MonsterKind]
    items: dict[str, ItemKind]
    hero: HeroKind
    descent: Descent
    packs: tuple[str, ...] = ()  # the pack folders laid over assets/, in order
    # every hero class by name, the first the one hero.yaml alone makes; `hero` is the one in play
    classes: dict[str, HeroKind] = field(default_factory=dict)

    def playing(self, name: str) -> Content:
        """This content with the hero of class `name` in play (KeyError if there is none)."""
        return self if self.hero.name == name else replace(self, hero=self.classes[name])

    @property
    def boss(self) -> MonsterKind:
        return next(m for m in self.monsters.values() if m.boss)

    @property
    def status_order(self) -> tuple[str, ...]:
        return tuple(self.statuses)

    def cooldown_slots(self, abilities: tuple[str, ...]) -> tuple[str, ...]:
        """The abilities that get a cooldown slot: those with a cooldown."""
        return tuple(a for a in abilities if self.abilities[a].cooldown > 0)

    @property
    def digest(self) -> str:
        """This content's rules in 16 hex digits (`digest`)."""
        return digest(self)


def rules(content: Content) -> dict[str, Any]:
    """What the engine reads of `content`, as plain JSON: every ability's
    rule numbers, every status's tick (in the statuses' order), every
    monster's stats, abilities, style, growth and first floor, and the hero;
    a fraction as a float (a growth of 1 is 1.0). Not the words for the
    player (describe, verbs, glyphs, titles), and not items or the dungeon's
    shape: they change what a run meets, not how a turn is resolved."""
    def ability(a: Ability) -> dict[str, Any]:
        return {"target": a.target, "damage": a.damage, "uses_atk": a.uses_atk, "pierce": a.pierce,
                "heal": a.heal, "cost": a.cost, "cooldown": a.cooldown, "item": a.item,
                "applies": [a.applies.status, a.applies.turns, a.applies.power] if a.applies else None}

    def monster(m: MonsterKind) -> dict[str, Any]:
        return {"depth": m.depth, "hp": m.hp, "mp": m.mp, "atk": m.atk, "def": m.defence,
                "abilities": list(m.abilities), "style": m.style, "grow": {k: float(m.grow[k]) for k in sorted(m.grow)}}

    def hero(h: HeroKind) -> dict[str, Any]:
        return {"hp": h.hp, "mp": h.mp, "atk": h.atk, "def": h.defence, "abilities": list(h.abilities),
                "per_level": {k: float(h.per_level[k]) for k in sorted(h.per_level)}, "xp_per_level": h.xp_per_level,
                "carries": {k: h.carries[k] for k in sorted(h.carries)}}

    classes = dict(content.classes) or {content.hero.name: content.hero}
    first = next(iter(classes.values()))
    return {
        "statuses": [[name, s.tick] for name, s in content.statuses.items()],  # a list: the order is a rule
        "abilities": {name: ability(a) for name, a in sorted(content.abilities.items())},
        "monsters": {name: monster(m) for name, m in sorted(content.monsters.items())},
        # hero.yaml's hero, and every other class: the same digest whichever class is in play
        "hero": hero(first),
        **({"classes": {name: hero(h) for name, h in classes.items() if h is not first}} if len(classes) > 1 else {}),
    }


def digest(content: Content) -> str:
    """A short stable hash of the rules the engine reads (`rules`): the first
    16 hex digits of the sha256 of their canonical JSON. The same in every
    process and on every machine (no Python hash()); a pack that changes a
    number changes it, one that only rewords a `describe` does not. Battle
    saves and run records carry it, so replay and --data can tell whether
    the content in play is the one a battle was played with."""
    text = json.dumps(rules(content), sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class _Entry:
    """Reads one YAML entry, turning every problem into a ContentError."""

    def __init__(self, file: str, name: str, raw: Any, fields: tuple[str, ...], word: bool = True):
        self.file, self.name = file, name
        # names are words of the combat template: one token, no spaces, none
        # of the template's own words (a sub-entry such as `ignite.applies`
        # is named after its entry)
        if not isinstance(name, str) or not NAME.fullmatch(name):
            self.fail("the name must be a lowercase word (a-z, 0-9, _)")
        if word and name in schema.reserved():
            self.fail(f"'{name}' is a word of the combat template itself; choose another name")
        if not isinstance(raw, dict):
            self.fail(f"expected a mapping of fields, got {type(raw).__name__}")
        for key in raw:
            if key not in fields:
                near = difflib.get_close_matches(str(key), fields, n=1, cutoff=0.6)
                hint = f" (did you mean '{near[0]}'?)" if near else f" (known: {', '.join(fields)})"
                self.fail(f"unknown field {shown(key)}{hint}")
        self.raw = raw

    def fail(self, what: str) -> None:
        raise ContentError(f"{self.file}: entry '{self.name}': {what}")

    def get(self, key: str, kind: type, default: Any = ..., lo: int | None = None, hi: int | None = None,
            within: schema.Number | None = None) -> Any:
        """A field of type `kind`, in lo..hi (or the template range `within`)."""
        if within is not None:
            lo, hi = within.lo, within.hi
        if key not in self.raw:
            if default is ...:
                self.fail(f"missing field '{key}'")
            return default
        value = self.raw[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            self.fail(f"field '{key}' must be {kind.__name__}, got {shown(value)}")
        if lo is not None and value < lo or hi is not None and value > hi:
            self.fail(f"field '{key}' = {value} is outside {lo}..{hi}")
        return value

    def choice(self, key: str, options: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(key, str, default)
        if value not in options:
            self.fail(f"field '{key}' = {shown(value)} is not one of {', '.join(options)}")
        return value


def load(folder: Path | str = ASSETS, packs: Sequence[Path | str] = ()) -> Content:
    """Load and validate all content, `folder`'s with each of `packs` laid
    over it in order; raises ContentError on the first problem."""
    files = gather(Path(folder), [Path(p) for p in packs])

    def entries(file: str, word: bool = True):
        """(_Entry, raw) for each entry of `file`, named after the file it came from."""
        got = files[file]
        for name, raw in got.raw.items():
            yield _Entry(got.came_from[name], name, raw, FIELDS[file], word), raw

    statuses = {}
    for e, _ in entries("statuses.yaml"):
        name = e.name
        statuses[name] = StatusKind(name, e.choice("tick", TICKS), e.get("describe", str, ""),
                                    e.get("adjective", str, name), e.get("noun", str, name), e.get("short", str, name[:3]))

    def verbs(e: _Entry) -> tuple[str, str]:
        words = e.get("verbs", list, [f"use {e.name}", f"uses {e.name}"])
        if len(words) != 2 or not all(isinstance(w, str) and w for w in words):
            e.fail("field 'verbs' must be two words: [said of you, said of a monster]")
        return (words[0], words[1])

    abilities = {}
    for e, _ in entries("abilities.yaml"):
        name = e.name
        applies = None
        if "applies" in e.raw:
            a = _Entry(e.file, f"{name}.applies", e.raw["applies"], FIELDS["applies"])
            status = a.get("status", str)
            if status not in statuses:
                a.fail(f"unknown status {shown(status)}")
            applies = Applies(status, a.get("turns", int, within=schema.STATUS_TURNS),
                              a.get("power", int, 0, within=schema.STATUS_POWER))
        abilities[name] = Ability(
            name=name,
            target=e.choice("target", TARGETS),
            damage=e.get("damage", int, 0, within=schema.BASE_DAMAGE),
            uses_atk=e.get("uses_atk", bool, False),
            pierce=e.get("pierce", bool, False),
            heal=e.get("heal", int, 0, within=schema.BASE_HEAL),
            cost=e.get("cost", int, 0, within=schema.COST),
            cooldown=e.get("cooldown", int, 0, within=schema.COOLDOWN),
            applies=applies,
            item=e.get("item", str, None),
            describe=e.get("describe", str, ""),
            verbs=verbs(e),
        )

    def known_abilities(e: _Entry) -> tuple[str, ...]:
        names = e.get("abilities", list)
        for a in names:
            if not isinstance(a, str) or a not in abilities:
                e.fail(f"unknown ability {shown(a)}")
        return tuple(names)

    descent_entry, _ = next(entries("dungeon.yaml"))
    items_range = descent_entry.get("items", list)
    if len(items_range) != 2 or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 20
                                        for n in items_range) or items_range[0] > items_range[1]:
        descent_entry.fail(f"'items' must be [least, most], whole numbers 0..20, got {shown(items_range)}")
    sizes = descent_entry.get("group_sizes", list, [[4, 3, 2]])
    if not 1 <= len(sizes) <= 20 or not all(
            isinstance(odds, list) and len(odds) == 3  # each a whole number before any is added up
            and all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 100 for n in odds) and sum(odds) > 0
            for odds in sizes):
        descent_entry.fail("'group_sizes' must be 1-20 lines of [odds of 1, of 2, of 3 monsters], "
                           f"whole numbers 0..100, not all 0; got {shown(sizes)}")
    ahead = descent_entry.get("ahead", object, 0.0)
    if isinstance(ahead, bool) or not isinstance(ahead, (int, float)) or not 0 <= ahead <= 1:
        descent_entry.fail(f"'ahead' must be a share 0..1, got {shown(ahead)}")
    descent = Descent(
        floors=descent_entry.get("floors", int, lo=1, hi=20),
        groups=descent_entry.get("groups", int, lo=0, hi=20),
        groups_per_floor=descent_entry.get("groups_per_floor", int, lo=0, hi=10),
        items=(items_range[0], items_range[1]),
        group_sizes=tuple((a, b, c) for a, b, c in sizes),
        ahead=float(ahead),
    )

    monsters = {}
    for e, _ in entries("monsters.yaml"):
        name = e.name
        grow = e.get("grow", dict, {})
        for stat, amount in grow.items():
            if stat not in GROWS or isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 <= amount <= 10:
                e.fail(f"'grow' must map {', '.join(GROWS)} to numbers 0..10, got {shown(stat)}: {shown(amount)}")
        kind = MonsterKind(
            name=name,
            glyph=e.get("glyph", str),
            depth=e.get("depth", int, lo=1, hi=descent.floors),
            hp=e.get("hp", int, within=schema.MAX_HP),
            mp=e.get("mp", int, within=schema.MAX_MP),
            atk=e.get("atk", int, within=schema.ATK),
            defence=e.get("def", int, within=schema.DEF),
            xp=e.get("xp", int, lo=0, hi=999),
            abilities=known_abilities(e),
            style=e.choice("style", STYLES),
            boss=e.get("boss", bool, False),
            grow=dict(grow),
        )
        # every value a prompt will hold must fit the template: check the deepest floor
        for stat, value in kind.at(descent.floors).items():
            if value > GROWS[stat]:
                e.fail(f"on floor {descent.floors} its {stat} grows to {value}, above the template's {GROWS[stat]}")
        monsters[name] = kind
    bosses = [m.name for m in monsters.values() if m.boss]
    if len(bosses) != 1:
        which = "; ".join(f"{name} in {files['monsters.yaml'].came_from[name]}" for name in bosses[:4])
        raise ContentError(f"monsters.yaml: exactly one monster must be the boss (boss: true), found {len(bosses)}"
                           + (f" ({which})" if bosses else ""))

    items = {}
    for e, _ in entries("items.yaml"):
        name = e.name
        ability = e.get("ability", str, None)
        if ability is not None and ability not in abilities:
            e.fail(f"unknown ability {shown(ability)}")
        raises = e.get("raises", dict, {})
        for stat, amount in raises.items():
            if stat not in STATS or not isinstance(amount, int):
                e.fail(f"'raises' must map {', '.join(STATS)} to whole numbers, got {shown(stat)}: {shown(amount)}")
        title = e.get("title", str)
        items[name] = ItemKind(name, e.get("glyph", str), e.get("describe", str, ""), ability, dict(raises),
                               title, e.get("plural", str, title + "s"), e.get("find", int, 0, lo=0, hi=100))

    e, _ = next(entries("hero.yaml", word=False))  # the file, not a word of the template
    per_level = e.get("per_level", dict)
    for stat, amount in per_level.items():
        if stat not in STATS or not isinstance(amount, (int, float)) or isinstance(amount, bool):
            e.fail(f"per_level must map {', '.join(STATS)} to numbers, got {shown(stat)}: {shown(amount)}")
    hero = HeroKind(
        hp=e.get("hp", int, within=schema.MAX_HP),
        mp=e.get("mp", int, within=schema.MAX_MP),
        atk=e.get("atk", int, within=schema.ATK),
        defence=e.get("def", int, within=schema.DEF),
        abilities=known_abilities(e),
        per_level=per_level,
        xp_per_level=e.get("xp_per_level", int, lo=1),
        carries=e.get("carries", dict, {}),
    )
    def check_carries(e: _Entry, carries: dict) -> None:
        for item, count in carries.items():
            if item not in items or not items[item].ability or isinstance(count, bool) or not isinstance(count, int) \
                    or not 0 <= count <= 9:
                e.fail(f"'carries' must map potions to counts 0..9, got {shown(item)}: {shown(count)}")

    check_carries(e, hero.carries)
    classes: dict[str, HeroKind] = {}
    for c, _ in entries("classes.yaml", word=False):  # a class is not a word of the template
        per = c.get("per_level", dict, hero.per_level)
        for stat, amount in per.items():
            if stat not in STATS or not isinstance(amount, (int, float)) or isinstance(amount, bool):
                c.fail(f"per_level must map {', '.join(STATS)} to numbers, got {shown(stat)}: {shown(amount)}")
        kind = HeroKind(
            hp=c.get("hp", int, hero.hp, within=schema.MAX_HP),
            mp=c.get("mp", int, hero.mp, within=schema.MAX_MP),
            atk=c.get("atk", int, hero.atk, within=schema.ATK),
            defence=c.get("def", int, hero.defence, within=schema.DEF),
            abilities=known_abilities(c) if "abilities" in c.raw else hero.abilities,
            per_level=dict(per),
            xp_per_level=hero.xp_per_level,
            carries=c.get("carries", dict, hero.carries),
            name=c.name,
            describe=c.get("describe", str, ""),
        )
        check_carries(c, kind.carries)
        if not any(abilities[a].attacks for a in kind.abilities):
            c.fail("a class needs at least one attack among its abilities")
        classes[c.name] = kind
    # hero.yaml's hero is the knight, whose entry (if any) only adds words;
    # the first class is the one in play until a run chooses
    classes.setdefault(hero.name, hero)
    hero = next(iter(classes.values()))
    for ability in abilities.values():
        if ability.item is not None and ability.item not in items:
            where = files["abilities.yaml"].came_from[ability.name]
            raise ContentError(f"{where}: entry '{ability.name}': unknown item {shown(ability.item)}")
    return Content(statuses, abilities, monsters, items, hero, descent, tuple(str(p) for p in packs), classes)


@lru_cache(maxsize=1)
def bundled() -> Content:
    """The bundled content (assets/ alone), loaded once."""
    return load(ASSETS)


# The content this process plays: the bundled content unless a command's --pack set another
_active: Content | None = None


def use(content: Content | None) -> None:
    """Make `content` what `default()` returns from now on (None: the bundled
    content again). The command line calls it once, before any work, with the
    content its --pack folders make; everything that reads default() follows."""
    global _active
    _active = content


def default() -> Content:
    """The content in play: the bundled content, or what `use` set."""
    return _active if _active is not None else bundled()
