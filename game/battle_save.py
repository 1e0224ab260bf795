"""Battles as data: one JSON file per battle, written when it ends.

A save holds everything needed to study or replay the fight, and doubles as
training data (`pico-rogue train --data saves/` reads every turn's `prompt`
and the engine's next state `engine`):

    {"kind": "pico-rogue battle", "version": 1, "seed": 17,
     "weights": {"name": ..., "sha256": ...} | null, "template": "v1",
     "result": "won" | "lost" | "fled" | "unfinished", "depth": 3, "trust_model": false,
     "flights": [{"turn": 4, "got_away": false}, ...],
     "agreement": {"agreed": 9, "asked": 10},
     "turns": [{"prompt", "engine", "model", "model_valid", "model_error",
                "applied", "divergences", ...}, ...]}

Files are written to a temporary name and renamed, so a save is never seen
half-written.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .battle import Battle
from .template import VERSION

KIND = "pico-rogue battle"
SAVE_VERSION = 1
SAVES = Path(__file__).resolve().parent.parent / "saves"
TURN_KEYS = ("prompt", "engine", "model", "model_valid", "model_error", "applied", "divergences")


class SaveError(ValueError):
    """A file that is not a battle save this game can read; one clear line."""


@dataclass(frozen=True)
class BattleSave:
    path: Path
    data: dict

    @property
    def turns(self) -> list[dict]:
        return self.data["turns"]

    @property
    def weights(self) -> dict | None:
        return self.data.get("weights")


def record(battle: Battle, *, seed: int, weights: dict | None, depth: int | None = None, source: str = "play") -> dict:
    result = "unfinished" if not battle.over else "won" if battle.won else "fled" if battle.fled else "lost"
    return {
        "kind": KIND,
        "version": SAVE_VERSION,
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


def write_atomic(path: Path, data: dict) -> Path:
    """Write JSON to `path` through a temporary file in the same folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save(data: dict, folder: Path | None = None, stem: str = "battle") -> Path:
    """Write a battle record under a fresh name in `folder` (default saves/)."""
    folder = Path(folder) if folder else SAVES
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while (path := folder / f"{stem}-{n:03d}.json").exists():
        n += 1
    return write_atomic(path, data)


def load(path: Path) -> BattleSave:
    """Read and check a battle save; raises SaveError with one clear line."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise SaveError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SaveError(f"{path}: is a folder, not a battle save") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SaveError(f"{path}: cannot read it ({exc})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SaveError(f"{path}: not a battle save (not valid JSON: {exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise SaveError(f"{path}: not a battle save (no \"kind\": \"{KIND}\")")
    if data.get("version") != SAVE_VERSION:
        raise SaveError(f"{path}: battle save version {data.get('version')!r}, this game reads version {SAVE_VERSION}")
    turns = data.get("turns")
    if not isinstance(turns, list):
        raise SaveError(f"{path}: battle save without a list of turns")
    for n, turn in enumerate(turns, 1):
        if not isinstance(turn, dict):
            raise SaveError(f"{path}: turn {n} is not an object")
        missing = [k for k in TURN_KEYS if k not in turn]
        if missing:
            raise SaveError(f"{path}: turn {n} lacks {', '.join(missing)}")
        if not isinstance(turn["prompt"], str) or not isinstance(turn["engine"], str):
            raise SaveError(f"{path}: turn {n}: prompt and engine must be texts")
        if not isinstance(turn["divergences"], list):
            raise SaveError(f"{path}: turn {n}: divergences must be a list")
    return BattleSave(path, data)
