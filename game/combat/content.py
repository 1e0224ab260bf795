"""Game content from the YAML files in assets/, validated at load.

A broken file never surfaces as a traceback: every problem becomes one
ContentError naming the file, the entry and what is wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from game.combat import schema

ASSETS = Path(__file__).resolve().parents[2] / "assets"

TICKS = ("damage", "heal", "none")
TARGETS = ("enemy", "self")
STYLES = ("brute", "caster", "cautious")
STATS = ("max_hp", "max_mp", "atk", "def")
# What a monster kind grows by on each floor below its first, and the most a
# combat prompt can hold of it (a scaled monster must stay inside the template).
GROWS = {"hp": schema.MAX_HP.hi, "mp": schema.MAX_MP.hi, "atk": schema.ATK.hi, "def": schema.DEF.hi}
NAME = re.compile(r"[a-z][a-z0-9_]*(\.applies)?")


class ContentError(Exception):
    """A game-content file is missing, unreadable or wrong."""


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
    hp: int
    mp: int
    atk: int
    defence: int
    abilities: tuple[str, ...]
    per_level: dict[str, float]  # a fraction adds up over levels (0.5: +1 every second level)
    xp_per_level: int
    carries: dict[str, int] = field(default_factory=dict)  # items at the start of a run


@dataclass(frozen=True)
class Descent:
    """The dungeon's shape: how deep it goes and what each floor holds."""

    floors: int  # the boss waits on the last one
    groups: int  # monster groups on the first floor
    groups_per_floor: int  # and more on each floor below
    items: tuple[int, int]  # least and most items lying on a floor


@dataclass(frozen=True)
class Content:
    statuses: dict[str, StatusKind]
    abilities: dict[str, Ability]
    monsters: dict[str, MonsterKind]
    items: dict[str, ItemKind]
    hero: HeroKind
    descent: Descent

    @property
    def boss(self) -> MonsterKind:
        return next(m for m in self.monsters.values() if m.boss)

    @property
    def status_order(self) -> tuple[str, ...]:
        return tuple(self.statuses)

    def cooldown_slots(self, abilities: tuple[str, ...]) -> tuple[str, ...]:
        """The abilities that get a cooldown slot: those with a cooldown."""
        return tuple(a for a in abilities if self.abilities[a].cooldown > 0)


class _Entry:
    """Reads one YAML entry, turning every problem into a ContentError."""

    def __init__(self, file: str, name: str, raw: Any, word: bool = True):
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
            self.fail(f"field '{key}' must be {kind.__name__}, got {value!r}")
        if lo is not None and value < lo or hi is not None and value > hi:
            self.fail(f"field '{key}' = {value} is outside {lo}..{hi}")
        return value

    def choice(self, key: str, options: tuple[str, ...], default: Any = ...) -> str:
        value = self.get(key, str, default)
        if value not in options:
            self.fail(f"field '{key}' = {value!r} is not one of {', '.join(options)}")
        return value


def _read(folder: Path, file: str) -> dict[str, Any]:
    from game.combat import limits

    path = folder / file
    try:
        raw = yaml.safe_load(limits.read_text(path, limits.CONTENT_BYTES, "content file"))
    except FileNotFoundError:
        raise ContentError(f"{file}: file not found in {folder}") from None
    except (limits.LimitError, OSError) as exc:
        raise ContentError(f"{file}: {exc}") from None
    except RecursionError:
        raise ContentError(f"{file}: not valid YAML: nested too deeply") from None
    except ValueError as exc:  # a number of thousands of digits: int() refuses it
        raise ContentError(f"{file}: not valid YAML: {str(exc).split(';')[0]}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where else ""
        raise ContentError(f"{file}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict) or not raw:
        raise ContentError(f"{file}: expected a mapping of named entries")
    return raw


def load(folder: Path | str = ASSETS) -> Content:
    """Load and validate all content; raises ContentError on the first problem."""
    folder = Path(folder)
    statuses = {}
    for name, raw in _read(folder, "statuses.yaml").items():
        e = _Entry("statuses.yaml", name, raw)
        statuses[name] = StatusKind(name, e.choice("tick", TICKS), e.get("describe", str, ""),
                                    e.get("adjective", str, name), e.get("noun", str, name), e.get("short", str, name[:3]))

    def verbs(e: _Entry) -> tuple[str, str]:
        words = e.get("verbs", list, [f"use {e.name}", f"uses {e.name}"])
        if len(words) != 2 or not all(isinstance(w, str) and w for w in words):
            e.fail("field 'verbs' must be two words: [said of you, said of a monster]")
        return (words[0], words[1])

    abilities = {}
    for name, raw in _read(folder, "abilities.yaml").items():
        e = _Entry("abilities.yaml", name, raw)
        applies = None
        if "applies" in e.raw:
            a = _Entry("abilities.yaml", f"{name}.applies", e.raw["applies"])
            status = a.get("status", str)
            if status not in statuses:
                a.fail(f"unknown status {status!r}")
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
                e.fail(f"unknown ability {a!r}")
        return tuple(names)

    descent_entry = _Entry("dungeon.yaml", "dungeon", _read(folder, "dungeon.yaml"))
    items_range = descent_entry.get("items", list)
    if len(items_range) != 2 or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 20
                                        for n in items_range) or items_range[0] > items_range[1]:
        descent_entry.fail(f"'items' must be [least, most], whole numbers 0..20, got {items_range!r}")
    descent = Descent(
        floors=descent_entry.get("floors", int, lo=1, hi=20),
        groups=descent_entry.get("groups", int, lo=0, hi=20),
        groups_per_floor=descent_entry.get("groups_per_floor", int, lo=0, hi=10),
        items=(items_range[0], items_range[1]),
    )

    monsters = {}
    for name, raw in _read(folder, "monsters.yaml").items():
        e = _Entry("monsters.yaml", name, raw)
        grow = e.get("grow", dict, {})
        for stat, amount in grow.items():
            if stat not in GROWS or isinstance(amount, bool) or not isinstance(amount, (int, float)) or not 0 <= amount <= 10:
                e.fail(f"'grow' must map {', '.join(GROWS)} to numbers 0..10, got {stat}: {amount!r}")
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
        raise ContentError(f"monsters.yaml: exactly one monster must be the boss (boss: true), found {len(bosses)}")

    items = {}
    for name, raw in _read(folder, "items.yaml").items():
        e = _Entry("items.yaml", name, raw)
        ability = e.get("ability", str, None)
        if ability is not None and ability not in abilities:
            e.fail(f"unknown ability {ability!r}")
        raises = e.get("raises", dict, {})
        for stat, amount in raises.items():
            if stat not in STATS or not isinstance(amount, int):
                e.fail(f"'raises' must map {', '.join(STATS)} to whole numbers, got {stat}: {amount!r}")
        title = e.get("title", str)
        items[name] = ItemKind(name, e.get("glyph", str), e.get("describe", str, ""), ability, dict(raises),
                               title, e.get("plural", str, title + "s"), e.get("find", int, 0, lo=0, hi=100))

    e = _Entry("hero.yaml", "hero", _read(folder, "hero.yaml"), word=False)  # the file, not a word of the template
    per_level = e.get("per_level", dict)
    for stat, amount in per_level.items():
        if stat not in STATS or not isinstance(amount, (int, float)) or isinstance(amount, bool):
            e.fail(f"per_level must map {', '.join(STATS)} to numbers, got {stat}: {amount!r}")
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
    for item, count in hero.carries.items():
        if item not in items or not items[item].ability or isinstance(count, bool) or not isinstance(count, int) \
                or not 0 <= count <= 9:
            e.fail(f"'carries' must map potions to counts 0..9, got {item}: {count!r}")
    for ability in abilities.values():
        if ability.item is not None and ability.item not in items:
            raise ContentError(f"abilities.yaml: entry '{ability.name}': unknown item {ability.item!r}")
    return Content(statuses, abilities, monsters, items, hero, descent)


@lru_cache(maxsize=1)
def default() -> Content:
    """The bundled content, loaded once."""
    return load(ASSETS)
