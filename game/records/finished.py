"""A finished run's record: what is left of a run when it ends, in death or
victory. Under the saves folder the game writes

    runs/run-s<seed>-NNN.json   the record (FinishedRecord): seed, result, floors,
                                kills, cause of death, the model's agreement and
                                a summary of every battle (with its saved file)
    runs/run-s<seed>-NNN.txt    the morgue file (morgue.py): the same for a person
                                to read, with the run's last messages
    scores.json                 the high-score table (scores.py), best first

A record's name is taken exclusively (two games never write the same one)
and every file is written whole or not at all (atomic.py). `load` reads a
record back from its JSON or from its morgue file, checked against the
declaration. game/world/finish.py fills the record in from a run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, Strict, ValidationError

from game.combat import limits
from game.records import atomic
from game.records.battle import Agreement, ContentRecord, WeightsRecord
from game.records.fields import Count, Int, Name, Note, Record, later, problem
from game.records.files import FinishedError, check_kind, dumps, folder_or_saves, read_json
from game.records.morgue import morgue_text
from game.records.run import FightRecord
from game.records.scores import enter_score

RECORD_KIND, RECORD_VERSION = "pico-rogue run record", 1
RUNS = "runs"  # the folder, under the saves folder, that finished runs go to
Level = Annotated[int, Strict(), Field(ge=1, le=99)]


class FinishedRecord(Record):
    """runs/run-s<seed>-NNN.json (its kind and version checked by hand first)."""

    kind: Literal["pico-rogue run record"]
    version: Int
    seed: Int
    source: Note
    created: Note
    weights: WeightsRecord | None
    result: Literal["won", "died", "unfinished"]
    cause: Note | None
    depth: Level
    deepest: Level
    floors: Level
    level: Level
    xp: Count
    kills: Count
    moves: Count
    score: Count
    agreement: Agreement
    turns: Count
    driven: Count
    diverged: list[Count] = Field(max_length=100_000)
    battles: list[FightRecord] = Field(max_length=100_000)
    content: ContentRecord | None = later()  # the packs and digest, when not the bundled content (battle.py)
    hero_class: Name | None = later()  # absent: a run from before classes (a knight)


def write(rec: dict, log: list[str], folder: Path | None = None) -> Path:
    """Write a finished run's record and morgue file and enter it in the high
    scores; returns the record's path."""
    folder = folder_or_saves(folder)
    path = atomic.create(folder / RUNS, f"run-s{rec['seed']}", dumps(rec))
    atomic.write_bytes(path.with_suffix(".txt"), morgue_text(rec, log).encode())
    enter_score(folder, rec, path)
    return path


def is_record(data: object) -> bool:
    return isinstance(data, dict) and data.get("kind") == RECORD_KIND


def load(path: Path | str) -> tuple[Path, dict]:
    """A run record from its JSON or its morgue file: (the JSON's path, the record)."""
    path = Path(path)
    if path.suffix == ".txt":
        path = path.with_suffix(".json")
        if not path.exists():
            raise FinishedError(f"{path.with_suffix('.txt')}: its record {path.name} is missing")
    data = read_json(path, limits.RUN_BYTES, "run record", FinishedError)
    check_kind(path, data, RECORD_KIND, (RECORD_VERSION,), "run record", FinishedError)
    try:
        FinishedRecord.model_validate(data)
    except ValidationError as exc:
        raise FinishedError(f"{path}: {problem(exc)}") from None
    return path, data


def names_a_run(path: Path | str) -> bool:
    """Whether `path` is a morgue file or a run record (rather than a battle)."""
    path = Path(path)
    if path.suffix == ".txt":
        return True
    try:
        return is_record(read_json(path, limits.RUN_BYTES, "run record", FinishedError))
    except FinishedError:
        return False


def records(folder: Path | None = None) -> list[tuple[Path, dict]]:
    """Every readable run record under the saves folder, newest first
    (unreadable ones are skipped: `runs` lists what it can)."""
    out = []
    for path in sorted((folder_or_saves(folder) / RUNS).glob("run-*.json")):
        try:
            out.append(load(path))
        except FinishedError:
            continue
    return sorted(out, key=lambda pr: (pr[1].get("created", ""), str(pr[0])), reverse=True)
