"""Battle and run records: the files the game writes, and the one loader
that every reader (replay, the game, `train --data`, `eval --data`) reads
them through.

A battle save holds everything needed to study or replay a fight, and
doubles as training data (each turn's `prompt` and the engine's next state
`engine`):

    {"kind": "pico-rogue battle", "version": 1, "seed": 17,
     "weights": {"name": ..., "sha256": ...} | null, "template": "v1",
     "result": "won" | "lost" | "fled" | "unfinished", "depth": 3, "trust_model": false,
     "flights": [{"turn": 4, "got_away": false}, ...],
     "agreement": {"agreed": 9, "asked": 10},
     "turns": [{"prompt", "engine", "model", "model_valid", "model_error",
                "applied", "divergences", ...}, ...]}

A suspended run (`run.json`) holds the floor, the hero, the battle under
way and the random state. JSONL examples (`generate`'s output) hold
`prompt` and `target`.

Every record is checked before anything uses it: the file against the
limits (limits.py), its JSON, then its fields against the schemas below
(pydantic, strict: `"version": true` is not 1, `"model": 5` is not a text),
and for a run the facts the game relies on later (a rectangular floor, the
hero on it, monsters of known kinds, a battle whose states the template
accepts), so a damaged file is refused at load with one line naming the
file, the turn or line, and the field, and never crashes the game later.

pydantic rather than hand-written checks: the schemas below are the
documentation of the formats, errors come with the path of the field at
fault (turn 3, 'model'), strict types come for free, and it is a widely used,
well-kept library. Facts that span fields (the floor's shape, the battle's
labels) are checked by hand after it.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from game.combat import limits
from game.combat.content import STATS, Content, default
from game.combat.encounter import END, HERO, LABELS, MAX_STAT, MONSTER_LABELS, Action, Combatant, Encounter, Rolls, Status
from game.combat.inert import inert
from game.combat.template import VERSION, TemplateError, parse_prompt, serialize_prompt
from game.records import atomic

if TYPE_CHECKING:
    from game.world.battle import Battle

SAVES = Path(__file__).resolve().parents[2] / "saves"
BATTLE_KIND, BATTLE_VERSION = "pico-rogue battle", 1
RUN_KIND, RUN_VERSION = "pico-rogue run", 2
RUN_READS = (1, 2)  # version 1: no battle summaries, charms or whole log
RUN_FILE = "run.json"
EXAMPLE_VERSION = 3  # JSONL examples, as `generate` writes them (the template version of their targets: 3 is v3)
TURN_KEYS = ("prompt", "engine", "model", "model_valid", "model_error", "applied", "divergences")
LOG_LINES = 100_000  # message-log lines in a suspended run (it keeps the whole log)
MAP_SIDE = 500  # the widest and tallest floor a run may hold (the game's are 60 x 21)
MAX_BONUS = 99  # a stat bonus or a count of potions in a run


class RecordError(ValueError):
    """A file that is not a record this game can read; one line naming the
    file, where in it, and what is wrong."""


class SaveError(RecordError):
    """A battle save that cannot be read."""


class RunError(RecordError):
    """A suspended run that cannot be continued."""


# --- schemas ------------------------------------------------------------------------

Int = Annotated[int, Strict()]
Count = Annotated[int, Strict(), Field(ge=0, le=10**12)]
Small = Annotated[int, Strict(), Field(ge=0, le=MAX_BONUS)]
Bool = Annotated[bool, Strict()]
Text = Annotated[str, Strict(), Field(max_length=limits.TEXT_CHARS)]
Note = Annotated[str, Strict(), Field(max_length=limits.NOTE_CHARS)]
Name = Annotated[str, Strict(), Field(max_length=64)]
Label = Literal["hero", "m1", "m2", "m3"]
Word32 = Annotated[int, Strict(), Field(ge=0, le=2**32 - 1)]


class _Record(BaseModel):
    # fields a later version adds are kept as they are; the known ones are checked
    model_config = ConfigDict(extra="allow", frozen=True)


class _Exact(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TurnRecord(_Record):
    prompt: Text
    engine: Text
    model: Text | None
    model_valid: Bool
    model_error: Note | None
    asked_model: Bool = True
    applied: Literal["engine", "model"]
    divergences: list[Note] = Field(max_length=64)
    trusted: Bool = False
    fallback: Note | None = None
    narration: list[Note] = Field(default_factory=list, max_length=64)


class WeightsRecord(_Record):
    name: Note
    sha256: Note


class Agreement(_Record):
    agreed: Count
    asked: Count


class Flight(_Record):
    turn: Int
    got_away: Bool


class BattleRecord(_Record):
    seed: Int | None = None
    battle_seed: Int | None = None
    weights: WeightsRecord | None = None
    template: Name
    source: Note = "play"
    depth: Int | None = None
    result: Literal["won", "lost", "fled", "unfinished"]
    monsters: list[Name] = Field(default_factory=list, max_length=len(MONSTER_LABELS))
    trust_model: Bool = False
    flights: list[Flight] = Field(default_factory=list, max_length=limits.SAVE_TURNS)
    agreement: Agreement | None = None
    created: Note | None = None
    turns: list[TurnRecord] = Field(max_length=limits.SAVE_TURNS)


class StatusRecord(_Exact):
    name: Name
    turns: Int
    power: Int


class CombatantRecord(_Exact):
    label: Label
    kind: Name
    hp: Int
    max_hp: Int
    mp: Int
    max_mp: Int
    atk: Int
    defence: Int
    statuses: list[StatusRecord] = Field(max_length=16)
    cooldowns: list[tuple[Name, Int]] = Field(max_length=16)


class EncounterRecord(_Exact):
    turn: Int
    actor: Literal["hero", "m1", "m2", "m3", "end"]
    combatants: list[CombatantRecord] = Field(min_length=2, max_length=len(LABELS))


RngRecord = tuple[Literal[3], Annotated[list[Word32], Field(min_length=625, max_length=625)], Annotated[float, Strict()] | None]


class BattleTurnRecord(TurnRecord):
    actor: Label
    action: tuple[Name, Label]


class BattleStateRecord(_Record):
    start: EncounterRecord
    encounter: EncounterRecord
    seed: Int
    rng: RngRecord
    potions: dict[Name, Small] = Field(max_length=64)
    fled: Bool = False
    flights: list[tuple[Int, Bool]] = Field(default_factory=list, max_length=limits.SAVE_TURNS)
    turns: list[BattleTurnRecord] = Field(max_length=limits.SAVE_TURNS)


MonsterHp = Annotated[int, Strict(), Field(ge=1, le=MAX_STAT)]


class FloorRecord(_Record):
    depth: Int
    tiles: list[Annotated[str, Strict(), Field(min_length=1, max_length=MAP_SIDE)]] = Field(min_length=1, max_length=MAP_SIDE)
    start: tuple[Int, Int]
    last: Bool = False
    # [id, kind, x, y, awake] in version 1; then the hp it kept and the moves it has lost the hero's trail for
    monsters: list[tuple[Int, Name, Int, Int, Bool] | tuple[Int, Name, Int, Int, Bool, MonsterHp | None, Count]] = Field(
        max_length=MAP_SIDE)
    items: list[tuple[Name, Int, Int]] = Field(max_length=MAP_SIDE)
    explored: list[tuple[Int, Int]] = Field(max_length=MAP_SIDE * MAP_SIDE)


class FightRecord(_Record):
    """One battle of the run in a line (run.summary)."""

    n: Count
    depth: Int
    monsters: list[Name] = Field(max_length=len(MONSTER_LABELS))
    result: Literal["won", "lost", "fled", "unfinished"]
    killed: Count
    turns: Count
    asked: Count
    agreed: Count
    driven: Count = 0
    divergent: list[Count] = Field(max_length=limits.SAVE_TURNS)
    file: Note | None = None


class RunRecord(_Record):
    seed: Int
    depth: Annotated[int, Strict(), Field(ge=1, le=99)]
    deepest: Annotated[int, Strict(), Field(ge=1, le=99)] = None  # absent in version 1 (then: depth); never null
    floor: FloorRecord
    pos: tuple[Int, Int]
    level: Annotated[int, Strict(), Field(ge=1, le=99)]
    xp: Count
    hp: Annotated[int, Strict(), Field(ge=0, le=MAX_STAT)]
    mp: Annotated[int, Strict(), Field(ge=0, le=MAX_STAT)]
    bonus: dict[Literal[STATS], Small]  # type: ignore[valid-type]
    potions: dict[Name, Small] = Field(max_length=64)
    charms: dict[Name, Small] = Field(default_factory=dict, max_length=64)
    regen: tuple[Small, Small] = (0, 0)
    kills: Count
    moves: Count
    log: list[Note] = Field(max_length=LOG_LINES)
    tally: tuple[Count, Count] | tuple[Count, Count, Count]  # agreed, asked (and changed: the model's mistakes applied)
    trust_model: Bool = False
    battles: Count
    fights: list[FightRecord] = Field(default_factory=list, max_length=100_000)
    battle: BattleStateRecord | None
    foes: list[Int] = Field(max_length=len(MONSTER_LABELS))
    rng: RngRecord


class ExampleRecord(_Record):
    version: Annotated[int, Strict(), Field(ge=1, le=EXAMPLE_VERSION)] = EXAMPLE_VERSION
    source: Note = "file"
    prompt: Text
    target: Text


# --- reading --------------------------------------------------------------------------


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _place(loc: tuple, turns_word: str = "turn") -> str:
    """('turns', 2, 'model') -> "turn 3, 'model'"; ('floor', 'tiles', 4) -> "'floor.tiles[4]'"."""
    parts: list[str] = []
    words: list[str] = []
    loc = list(loc)
    i = 0
    while i < len(loc):
        key = loc[i]
        if key == "turns" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            prefix = ".".join(words)
            parts.append(f"{prefix + ' ' if prefix else ''}{turns_word} {loc[i + 1] + 1}")
            words = []
            i += 2
            continue
        if isinstance(key, int):
            if words:
                words[-1] += f"[{key}]"
            else:
                words.append(f"[{key}]")
        elif key == "[key]":
            words[-1] += " (the key)"
        else:
            words.append(str(key))
        i += 1
    if words:
        parts.append(f"'{'.'.join(words)}'")
    return ", ".join(parts) or "the record"


def problem(exc: ValidationError) -> str:
    """One line for a pydantic error: where, what, what was there."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    more = len({e["loc"][:-1] if e["type"].endswith("_type") else e["loc"] for e in errors}) - 1
    text = f"{_place(first['loc'])}: {first['msg'][0].lower()}{first['msg'][1:]}"
    if first["type"] not in ("missing", "too_long", "too_short"):
        text += f" (got {_short(first['input'])})"
    return text + (f" (and {more} more)" if more > 0 else "")


def _read_json(path: Path, cap: int, what: str, error: type[RecordError]) -> Any:
    try:
        text = limits.read_text(path, cap, what)
        return limits.json_loads(text)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except limits.LimitError as exc:
        raise error(str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:  # json.JSONDecodeError
        msg = getattr(exc, "msg", str(exc))
        at = f" at line {exc.lineno}" if hasattr(exc, "lineno") else ""
        raise error(f"{path}: not a {what} (not valid JSON: {msg}{at})") from None


def _kind_and_version(path: Path, data: Any, kind: str, version: int, what: str, error: type[RecordError]) -> None:
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise error(f"{path}: not a {what} (no \"kind\": \"{kind}\")")
    got = data.get("version")
    if type(got) is not int or got != version:  # noqa: E721 - true is not 1
        raise error(f"{path}: {what} version {_short(got)}, this game reads version {version}")


@dataclass(frozen=True)
class BattleSave:
    """A battle save that passed every check: `data` is the file's JSON."""

    path: Path
    data: dict

    @property
    def turns(self) -> list[dict]:
        return self.data["turns"]

    @property
    def weights(self) -> dict | None:
        return self.data.get("weights")


def load_battle(path: Path | str) -> BattleSave:
    """Read and check a battle save; raises SaveError with one clear line."""
    path = Path(path)
    data = _read_json(path, limits.BATTLE_SAVE_BYTES, "battle save", SaveError)
    _kind_and_version(path, data, BATTLE_KIND, BATTLE_VERSION, "battle save", SaveError)
    turns = data.get("turns")
    if isinstance(turns, list) and len(turns) > limits.SAVE_TURNS:  # before checking each of them
        raise SaveError(f"{path}: {len(turns):,} turns, past the limit of {limits.SAVE_TURNS:,} for a battle save")
    try:
        BattleRecord.model_validate(data)
    except ValidationError as exc:
        raise SaveError(f"{path}: {problem(exc)}") from None
    return BattleSave(path, _inert(data))


def _inert(value: Any) -> Any:
    """Every text of a record with its control characters shown escaped: a
    shared save is shown by replay, runs and the game, and must not drive
    the terminal. (A template text with one never parsed: nothing usable
    changes.)"""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, list):
        return [_inert(v) for v in value]
    if isinstance(value, dict):
        return {k: _inert(v) for k, v in value.items()}
    return value


# --- writing battles ----------------------------------------------------------------------


def battle_record(battle: Battle, *, seed: int, weights: dict | None, depth: int | None = None,
                  source: str = "play") -> dict:
    result = "unfinished" if not battle.over else "won" if battle.won else "fled" if battle.fled else "lost"
    return {
        "kind": BATTLE_KIND,
        "version": BATTLE_VERSION,
        "seed": seed,
        "battle_seed": battle.seed,
        "weights": weights,
        "template": VERSION,
        "source": source,
        "depth": depth,
        "result": result,
        "monsters": [m.kind for m in battle.start.monsters],
        "trust_model": any(t.trusted for t in battle.turns),
        "flights": [{"turn": turn, "got_away": away} for turn, away in battle.flights],
        "agreement": {"agreed": battle.tally.agreed, "asked": battle.tally.asked},
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "turns": [t.record() for t in battle.turns],
    }


def save_battle(data: dict, folder: Path | None = None, stem: str = "battle") -> Path:
    """Write a battle record under a fresh name `STEM-NNN.json` in `folder`
    (default saves/); never replaces a file, even with other games saving
    under the same stem at the same moment."""
    import json

    return atomic.create(Path(folder) if folder else SAVES, stem, (json.dumps(data, indent=1) + "\n").encode())


def saves_folder(folder: Path | None) -> Path:
    """The folder battles and runs are written to, created if missing;
    raises RecordError naming the path when it cannot be one."""
    folder = Path(folder) if folder else SAVES
    if folder.is_symlink() and not folder.exists():
        raise RecordError(f"{folder}: a link to {os.readlink(folder)}, which does not exist")
    if folder.exists() and not folder.is_dir():
        what = "is a file" if folder.is_file() else "is a device or a fifo"
        raise RecordError(f"{folder}: {what}, not a folder (battles and runs are saved in a folder)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordError(f"{folder}: cannot make the saves folder ({exc.strerror or exc})") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RecordError(f"{folder}: cannot write in it")
    atomic.clean_stale(folder)
    return folder


# --- the random state ---------------------------------------------------------------------


def rng_state(rng: random.Random) -> list:
    """A random.Random's state as JSON: [version, 625 words, gauss]."""
    version, state, gauss = rng.getstate()
    return [version, list(state), gauss]


def rng_from(value: list) -> tuple:
    """The state for random.Random.setstate from `rng_state`'s form; checked
    by RngRecord in a record, and here for what setstate itself needs."""
    version, state, gauss = value
    if state[-1] > 624:
        raise ValueError(f"random state: position {state[-1]} past 624")
    return (version, tuple(state), gauss)


# --- encounters -----------------------------------------------------------------------------


def encounter_from(d: dict) -> Encounter:
    """An Encounter from its JSON form (`dataclasses.asdict` of one)."""
    return Encounter(int(d["turn"]), str(d["actor"]), tuple(
        Combatant(c["label"], c["kind"], c["hp"], c["max_hp"], c["mp"], c["max_mp"], c["atk"], c["defence"],
                  tuple(Status(**s) for s in c["statuses"]), tuple((a, int(n)) for a, n in c["cooldowns"]))
        for c in d["combatants"]
    ))


def _check_encounter(d: dict, content: Content) -> Encounter:
    """The encounter, if the template accepts it (labels in order, known
    kinds, statuses and cooldowns, every number in its range)."""
    e = encounter_from(d)
    probe = Encounter(e.turn, HERO if e.actor == END else e.actor, e.combatants)
    ability = next(iter(content.abilities))
    try:
        parse_prompt(serialize_prompt(probe, Action(ability, HERO), Rolls(1, 1)), content)
    except TemplateError as exc:
        raise ValueError(str(exc).replace("line 1 (head): ", "")) from None
    if e.actor != END and not e.get(e.actor).alive:
        raise ValueError(f"the actor {e.actor} is dead")
    return e


# --- runs --------------------------------------------------------------------------------------


def run_path(folder: Path | None = None) -> Path:
    return (Path(folder) if folder else SAVES) / RUN_FILE


def write_run(data: dict, folder: Path | None = None) -> Path:
    return atomic.write_json(run_path(folder), data)


def forget_run(folder: Path | None = None) -> None:
    run_path(folder).unlink(missing_ok=True)


def check_run(d: Any, content: Content | None = None, where: str = "the suspended run") -> None:
    """Raise RunError unless `d` is a run the game can continue and play on
    from: the schema, then the facts play relies on."""
    content = content or default()
    if not isinstance(d, dict) or d.get("kind") != RUN_KIND:
        raise RunError(f"{where}: not a suspended run (no \"kind\": \"{RUN_KIND}\")")
    got = d.get("version")
    if type(got) is not int or got not in RUN_READS:  # noqa: E721 - true is not 1
        reads = " and ".join(map(str, RUN_READS))
        raise RunError(f"{where}: suspended run version {_short(got)}, this game reads versions {reads}")
    try:
        RunRecord.model_validate(d)
    except ValidationError as exc:
        raise RunError(f"{where}: {problem(exc)}") from None
    try:
        _check_run_facts(d, content)
    except ValueError as exc:
        raise RunError(f"{where}: {exc}") from None


def _check_run_facts(d: dict, content: Content) -> None:
    from game.world.dungeon import GROUND, STAIRS, WALL

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


def _check_potions(name: str, potions: dict, content: Content) -> None:
    for kind in potions:
        if kind not in content.items:
            raise ValueError(f"'{name}': unknown item {kind!r}")


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
        return f"seed {d['seed']}, floor {d['depth']}, level {d['level']}, {d['hp']} hp, {d['kills']} kills"


def find_run(folder: Path | None = None, content: Content | None = None) -> Suspended | None:
    """The suspended run in `folder`, checked; None if there is none. A file
    that cannot be continued is moved aside (`run-damaged-NNN.json`, never
    deleted or overwritten) and reported in the answer."""
    path = run_path(folder)
    if not os.path.lexists(path):
        return None
    try:
        data = _read_json(path, limits.RUN_BYTES, "suspended run", RunError)
        check_run(data, content, where=str(path))
    except RunError as exc:
        why = str(exc)
        try:
            kept = atomic.move_aside(path, "run-damaged")
        except OSError as move:
            return Suspended(damaged=f"{why}; it could not be moved aside ({move.strerror or move})")
        return Suspended(damaged=why, kept=kept)
    return Suspended(data=data)


# --- examples: JSONL and battle saves as (prompt, target) pairs ---------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    prompt: str
    target: str
    source: str  # the record's source (battle, broad, ...), or "battle save"
    where: str  # "FILE line N" or "FILE turn N": for messages


@dataclass
class Examples:
    """What `load_examples` read: the examples, and what it skipped and why
    (a count per reason, and the first place each reason was met)."""

    kept: list[Example] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    first: dict[str, str] = field(default_factory=dict)
    files: int = 0

    def skip(self, reason: str, where: str) -> None:
        self.skipped[reason] += 1
        self.first.setdefault(reason, where)


def example_files(paths: list[Path]) -> Iterator[Path]:
    """The files of `--data`: each file named, and the .json/.jsonl files in
    each folder named (the suspended run and hidden files left out)."""
    count = 0
    for path in paths:
        path = Path(path)
        if not os.path.lexists(path):
            raise RecordError(f"{path}: no such file or folder")
        if not path.is_dir():
            yield path
            continue
        for f in sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl")):
            if f.name.startswith(("run", ".")):
                continue
            count += 1
            if count > limits.DATA_FILES:
                raise RecordError(f"{path}: more than {limits.DATA_FILES:,} files")
            yield f


def load_examples(paths: list[Path]) -> Examples:
    """Every (prompt, target) of the battle saves, JSONL files and folders in
    `paths`; files and lines that are not records are skipped with a reason.
    Raises RecordError for a path that does not exist or past EXAMPLES."""
    out = Examples()
    for f in example_files(paths):
        out.files += 1
        if f.suffix == ".jsonl":
            _jsonl_examples(f, out)
        else:
            try:
                save = load_battle(f)
            except SaveError as exc:
                out.skip("files that are not battle saves", str(exc))
                continue
            for n, t in enumerate(save.turns, 1):
                if t["engine"]:
                    out.kept.append(Example(t["prompt"], t["engine"], "battle save", f"{f} turn {n}"))
        if len(out.kept) > limits.EXAMPLES:
            raise RecordError(f"{f}: more than {limits.EXAMPLES:,} examples in --data")
    return out


def _jsonl_examples(path: Path, out: Examples) -> None:
    try:
        stream = limits.open_lines(path, limits.DATA_BYTES, "data file")
    except FileNotFoundError:
        raise RecordError(f"{path}: no such file") from None
    except limits.LimitError as exc:
        out.skip("files past the limits", str(exc))
        return
    except OSError as exc:
        out.skip("files that cannot be read", f"{path}: {exc.strerror or exc}")
        return
    with stream:
        for n, raw in limits.lines(stream):
            where = f"{path} line {n}"
            if raw is None:
                out.skip("lines past the limits", f"{where}: longer than {limits.LINE_BYTES:,} bytes")
                continue
            if not raw.strip():
                continue
            try:
                r = limits.json_loads(raw.decode("utf-8"))
                if not isinstance(r, dict):
                    raise ValueError("not a JSON object")
                ExampleRecord.model_validate(r)
            except ValidationError as exc:
                out.skip("lines that are not examples", f"{where}: {problem(exc)}")
                continue
            except (ValueError, UnicodeDecodeError) as exc:  # LimitError, JSONDecodeError
                out.skip("lines that are not examples", f"{where}: {getattr(exc, 'msg', None) or exc}")
                continue
            out.kept.append(Example(r["prompt"], r["target"], r.get("source", "file"), where))
            if len(out.kept) > limits.EXAMPLES:
                raise RecordError(f"{path}: more than {limits.EXAMPLES:,} examples in --data")
