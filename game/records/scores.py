"""The high-score table (scores.json in the saves folder): the best finished
runs, best first, each with its place under runs/. Declared here, entered
into when a run's record is written (finished.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

from pydantic import Field

from game.combat import limits
from game.records import atomic
from game.records.battle import Agreement
from game.records.fields import Count, Int, Note, Record, written
from game.records.files import FinishedError, folder_or_saves, read_json

SCORES_KIND, SCORES_VERSION = "pico-rogue scores", 1
SCORES_FILE = "scores.json"
SCORES_KEEP = 50


class ScoreRecord(Record):
    """One line of the table: the finished record's fields a table shows, and where it is."""

    seed: Int
    score: Count
    result: Note
    cause: Note | None
    deepest: Int
    level: Int
    kills: Count
    created: Note
    source: Note
    agreement: Agreement
    record: Note


class ScoresRecord(Record):
    kind: Literal["pico-rogue scores"]
    version: Int
    runs: list[ScoreRecord] = Field(max_length=SCORES_KEEP)


def scores(folder: Path | None = None) -> list[dict]:
    """The high-score table, best first ([] when there is none yet). Read as
    leniently as it always was: a table is only shown, and a damaged one is
    kept aside and started afresh (`enter_score`)."""
    path = folder_or_saves(folder) / SCORES_FILE
    if not path.exists():
        return []
    data = read_json(path, limits.RUN_BYTES, "high-score table", FinishedError)
    if not isinstance(data, dict) or data.get("kind") != SCORES_KIND or not isinstance(data.get("runs"), list):
        raise FinishedError(f"{path}: not a high-score table (no \"kind\": \"{SCORES_KIND}\")")
    return data["runs"]


def enter_score(folder: Path, rec: dict, path: Path) -> list[dict]:
    """Add a finished run (its record `rec`, written at `path`) to the table
    (a damaged table is kept aside, not lost)."""
    table_path = folder / SCORES_FILE
    try:
        table = scores(folder)
    except FinishedError:
        table_path.replace(table_path.with_suffix(f".damaged-{time.strftime('%Y%m%d-%H%M%S')}.json"))
        table = []
    shown = {k: rec[k] for k in ScoreRecord.model_fields if k in rec}
    entry = written(ScoreRecord, **shown, record=str(path.relative_to(folder)))
    table = sorted([*table, entry], key=lambda e: (-e["score"], e["created"]))[:SCORES_KEEP]
    atomic.write_json(table_path, written(ScoresRecord, kind=SCORES_KIND, version=SCORES_VERSION, runs=table))
    return table
