"""The suspended run (`run.json`): the floor, the hero, the battle under
way and the random state, so quitting and coming back picks up the same
game. Declared here (SuspendedRecord), with the facts play relies on that a
schema cannot say (a rectangular floor, the hero on it, monsters of known
kinds, a battle whose states the template accepts), and the file's one
place in the saves folder. game/world/run.py fills the record in and reads
it back.

A damaged file is refused when the game starts, with one line naming the
file and the field, and moved aside (never lost), so it never crashes play
later.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, Strict, ValidationError

from game.combat import limits
from game.combat.content import STATS, Content, default
from game.combat.encounter import END, HERO, MAX_STAT, MAX_TURNS, MONSTER_LABELS, Action, Encounter, Rolls
from game.combat.template import TemplateError, parse_prompt, serialize_prompt
from game.records import atomic
from game.records.battle import BattleStateRecord, ContentRecord, Result
from game.records.fields import Bool, Count, Int, Name, Note, Record, Small, later, problem
from game.records.files import RunError, check_kind, folder_or_saves, read_json
from game.records.rng import RngRecord, rng_from

RUN_KIND, RUN_VERSION = "pico-rogue run", 3
RUN_READS = (1, 2, 3)  # version 1: no battle summaries, charms or whole log; 2: no statuses kept between battles
RUN_FILE = "run.json"
LOG_LINES = 100_000  # message-log lines in a suspended run (it keeps the whole log)
MAP_SIDE = 500  # the widest and tallest floor a run may hold (the game's are 60 x 21)

# A floor's tiles, as the dungeon holds them and the run is saved with them.
WALL, GROUND, STAIRS = "#", ".", ">"

MonsterHp = Annotated[int, Strict(), Field(ge=1, le=MAX_STAT)]
# statuses ([name, turns, power]) and cooldowns ([ability, turns]) kept between battles
Statuses = Annotated[list[tuple[Name, Small, Small]], Field(max_length=16)]
Cooldowns = Annotated[list[tuple[Name, Small]], Field(max_length=16)]
Kept = tuple[Annotated[int, Strict(), Field(ge=0, le=MAX_STAT)] | None, Statuses, Cooldowns]
Level = Annotated[int, Strict(), Field(ge=1, le=99)]


class FloorRecord(Record):
    depth: Int
    tiles: list[Annotated[str, Strict(), Field(min_length=1, max_length=MAP_SIDE)]] = Field(min_length=1, max_length=MAP_SIDE)
    start: tuple[Int, Int]
    last: Bool = False
    # [id, kind, x, y, awake] in version 1; then the hp it kept and the moves it has lost the hero's trail for;
    # from version 3 the [mp, statuses, cooldowns] a fled battle left it with (or null)
    monsters: list[tuple[Int, Name, Int, Int, Bool] | tuple[Int, Name, Int, Int, Bool, MonsterHp | None, Count]
                   | tuple[Int, Name, Int, Int, Bool, MonsterHp | None, Count, Kept | None]] = Field(
        max_length=MAP_SIDE)
    items: list[tuple[Name, Int, Int]] = Field(max_length=MAP_SIDE)
    explored: list[tuple[Int, Int]] = Field(max_length=MAP_SIDE * MAP_SIDE)


class FightRecord(Record):
    """One battle of the run in a line (the run's `fights`, and the finished
    run's `battles`)."""

    n: Count
    depth: Int
    monsters: list[Name] = Field(max_length=len(MONSTER_LABELS))
    result: Result
    killed: Count
    turns: Count
    asked: Count
    agreed: Count
    driven: Count = 0
    divergent: list[Count] = Field(max_length=limits.SAVE_TURNS)
    close: Count = later(0)  # turns the model got right under battle.CLOSE sure (its margin)
    stakes: Int = later(0)  # score won or lost by trusting the model (battle.Turn.stake)
    file: Note | None = None


class SuspendedRecord(Record):
    """run.json (its kind and version checked by hand first)."""

    kind: Literal["pico-rogue run"]
    version: Int
    seed: Int
    depth: Level
    deepest: Level = None  # absent in version 1 (then: depth); never null
    floor: FloorRecord
    pos: tuple[Int, Int]
    level: Level
    xp: Count
    hp: Annotated[int, Strict(), Field(ge=0, le=MAX_STAT)]
    mp: Annotated[int, Strict(), Field(ge=0, le=MAX_STAT)]
    bonus: dict[Literal[STATS], Small]  # type: ignore[valid-type]
    potions: dict[Name, Small] = Field(max_length=64)
    charms: dict[Name, Small] = Field(default_factory=dict, max_length=64)
    regen: tuple[Small, Small] = (0, 0)  # version 2: a regeneration potion's (moves, hp); since 3 a status, written 0 0
    statuses: Statuses = Field(default_factory=list)  # the hero's, ticking as it walks (version 3)
    cooldowns: Cooldowns = Field(default_factory=list)
    kills: Count
    moves: Count
    log: list[Note] = Field(max_length=LOG_LINES)
    tally: tuple[Count, Count] | tuple[Count, Count, Count]  # agreed, asked (and changed: the model's mistakes applied)
    trust_model: Bool = False
    battles: Count  # written for readers of the file; the game counts its fights (and the one under way)
    fights: list[FightRecord] = Field(default_factory=list, max_length=100_000)
    battle: BattleStateRecord | None
    foes: list[Int] = Field(max_length=len(MONSTER_LABELS))
    rng: RngRecord
    content: ContentRecord | None = later()  # the packs and digest, when not the bundled content (battle.py)
    hero_class: Name | None = later()  # absent: the content's first class (a run from before classes)


# --- the checks ------------------------------------------------------------------------


def check_run(d: Any, content: Content | None = None, where: str = "the suspended run") -> None:
    """Raise RunError unless `d` is a run the game can continue and play on
    from: the schema, then the facts play relies on."""
    content = content or default()
    check_kind(where, d, RUN_KIND, RUN_READS, "suspended run", RunError)
    try:
        SuspendedRecord.model_validate(d)
    except ValidationError as exc:
        raise RunError(f"{where}: {problem(exc)}") from None
    chosen = d.get("hero_class")
    if chosen is not None:  # absent: a run from before classes, which played the first
        if chosen not in content.classes:
            raise RunError(f"{where}: the hero is a {chosen!r}, a class this content does not have "
                           f"({', '.join(content.classes)}): was it played with a pack?")
        content = content.playing(chosen)
    try:
        _check_facts(d, content)
    except ValueError as exc:
        raise RunError(f"{where}: {exc}") from None


def _check_encounter(d: dict, content: Content) -> Encounter:
    """The encounter, if the template accepts it (labels in order, known
    kinds, statuses and cooldowns, every number in its range)."""
    e = Encounter.from_dict(d)
    probe = Encounter(e.turn, HERO if e.actor == END else e.actor, e.combatants)
    ability = next(iter(content.abilities))
    try:
        parse_prompt(serialize_prompt(probe, Action(ability, HERO), Rolls(1, 1)), content)
    except TemplateError as exc:
        raise ValueError(str(exc).replace("line 1 (head): ", "")) from None
    if e.actor != END and not e.get(e.actor).alive:
        raise ValueError(f"the actor {e.actor} is dead")
    return e


def _check_facts(d: dict, content: Content) -> None:
    floor = d["floor"]
    tiles = floor["tiles"]
    width, height = len(tiles[0]), len(tiles)
    if any(len(row) != width for row in tiles):
        raise ValueError("'floor.tiles': rows of different lengths")
    odd = set("".join(tiles)) - {WALL, GROUND, STAIRS}
    if odd:
        raise ValueError(f"'floor.tiles': unknown tiles {''.join(sorted(odd))!r}")
    if floor["depth"] != d["depth"]:
        raise ValueError(f"'floor.depth' {floor['depth']} is not the run's depth {d['depth']}")

    def inside(name: str, x: int, y: int, walk: bool = False) -> None:
        if not (0 <= x < width and 0 <= y < height):
            raise ValueError(f"'{name}' ({x}, {y}) is off the {width}x{height} floor")
        if walk and tiles[y][x] == WALL:
            raise ValueError(f"'{name}' ({x}, {y}) is inside a wall")

    inside("pos", *d["pos"], walk=True)
    inside("floor.start", *floor["start"])
    ids = set()
    for n, (i, kind, x, y, *_) in enumerate(floor["monsters"]):
        if kind not in content.monsters:
            raise ValueError(f"'floor.monsters[{n}]': unknown monster {kind!r}")
        if i in ids:
            raise ValueError(f"'floor.monsters[{n}]': id {i} repeated")
        ids.add(i)
        inside(f"floor.monsters[{n}]", x, y)
    for n, (kind, x, y) in enumerate(floor["items"]):
        if kind not in content.items:
            raise ValueError(f"'floor.items[{n}]': unknown item {kind!r}")
        inside(f"floor.items[{n}]", x, y)
    for n, (x, y) in enumerate(floor["explored"]):
        inside(f"floor.explored[{n}]", x, y)
    for n, row in enumerate(floor["monsters"]):
        if len(row) == 8 and row[7]:
            _check_kept(f"'floor.monsters[{n}]'", row[7][1], row[7][2], content)
    _check_kept("the hero", d.get("statuses", []), d.get("cooldowns", []), content)
    _check_potions("potions", d["potions"], content)
    _check_potions("charms", d.get("charms", {}), content)
    rng_from(d["rng"])

    battle = d["battle"]
    if battle is None:
        if d["foes"]:
            raise ValueError("'foes' without a battle")
        return
    try:
        start = _check_encounter(battle["start"], content)
        now = _check_encounter(battle["encounter"], content)
    except ValueError as exc:
        raise ValueError(f"'battle': {exc}") from None
    if [(c.label, c.kind) for c in start.combatants] != [(c.label, c.kind) for c in now.combatants]:
        raise ValueError("'battle': the combatants changed since the battle started")
    if len(d["foes"]) != len(start.monsters) or len(set(d["foes"])) != len(d["foes"]) or not set(d["foes"]) <= ids:
        raise ValueError("'foes': not the battle's monsters on this floor")
    by_id = {i: kind for i, kind, *_ in floor["monsters"]}
    if [by_id[i] for i in d["foes"]] != [c.kind for c in start.monsters]:
        raise ValueError("'foes': their kinds are not the battle's monsters'")
    _check_potions("battle.potions", battle["potions"], content)
    rng_from(battle["rng"])
    labels = {c.label for c in start.combatants}
    for n, t in enumerate(battle["turns"], 1):
        ability, target = t["action"]
        if ability not in content.abilities or target not in labels or t["actor"] not in labels:
            raise ValueError(f"'battle' turn {n}: action {ability} on {target} by {t['actor']} is not of this battle")


def _check_kept(who: str, statuses: list, cooldowns: list, content: Content) -> None:
    """Statuses and cooldowns kept between battles fit the template: known names, numbers in range."""
    for name, turns, power in statuses:
        if name not in content.statuses or not 1 <= turns <= MAX_TURNS or power > MAX_TURNS:
            raise ValueError(f"{who}: status {name} {turns} {power} is not one the template holds")
    for name, n in cooldowns:
        if name not in content.abilities or n > MAX_TURNS:
            raise ValueError(f"{who}: cooldown {name} {n} is not one the template holds")


def _check_potions(name: str, potions: dict, content: Content) -> None:
    for kind in potions:
        if kind not in content.items:
            raise ValueError(f"'{name}': unknown item {kind!r}")


# --- the file ---------------------------------------------------------------------------


def run_path(folder: Path | None = None) -> Path:
    return folder_or_saves(folder) / RUN_FILE


def write_run(data: dict, folder: Path | None = None) -> Path:
    return atomic.write_json(run_path(folder), data)


def forget_run(folder: Path | None = None) -> None:
    run_path(folder).unlink(missing_ok=True)


@dataclass(frozen=True)
class Suspended:
    """What `find_run` found: a run to continue (`data`), or a damaged file
    moved aside (`damaged` says why, `kept` where it now is)."""

    data: dict | None = None
    damaged: str | None = None
    kept: Path | None = None

    @property
    def summary(self) -> str:
        d = self.data or {}
        hp, kills, fight = d["hp"], d["kills"], ""
        if d.get("battle"):  # quit in a battle: the run's hp and kills are still those from before it
            hero, *monsters = d["battle"]["encounter"]["combatants"]
            hp, kills = hero["hp"], kills + sum(m["hp"] <= 0 for m in monsters)
            fight = "" if d["battle"]["encounter"]["actor"] == END or d["battle"].get("fled") else ", in a battle"
        trust = ", trusting the model" if d.get("trust_model") else ""  # the banner says RULES until it goes on
        return (f"a level {d['level']} {d.get('hero_class') or 'knight'}, seed {d['seed']}, floor {d['depth']}, "
                f"{hp} hp, {kills} kills{fight}{trust}")


def find_run(folder: Path | None = None, content: Content | None = None) -> Suspended | None:
    """The suspended run in `folder`, checked; None if there is none. A file
    that cannot be continued is moved aside (`run-damaged-NNN.json`, never
    deleted or overwritten) and reported in the answer."""
    path = run_path(folder)
    if not os.path.lexists(path):
        return None
    try:
        data = read_json(path, limits.RUN_BYTES, "suspended run", RunError)
        check_run(data, content, where=str(path))
    except RunError as exc:
        why = str(exc)
        try:
            kept = atomic.move_aside(path, "run-damaged")
        except OSError as move:
            return Suspended(damaged=f"{why}; it could not be moved aside ({move.strerror or move})")
        return Suspended(damaged=why, kept=kept)
    return Suspended(data=data)
