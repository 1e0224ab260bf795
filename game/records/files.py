"""Record files on disk: where they go (the saves folder), how one is read
(within the limits, as JSON, its kind and version checked, every text made
inert) and the one error every reader raises: a line naming the file, where
in it, and what is wrong.

Every reader goes through here, so a damaged or hostile file meets the same
checks whichever command opens it, and the game never crashes on it later.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from game.combat import limits
from game.combat.inert import inert
from game.records import atomic
from game.records.fields import short


def saves_home() -> Path:
    """Where records go when no folder is given: $PICO_ROGUE_SAVES, else the
    user's data folder ($XDG_DATA_HOME, or ~/.local/share)/pico-rogue/saves.
    Not the package's own folder: an installed package may be read-only or
    shared, and a player's runs should outlive a fresh checkout."""
    if os.environ.get("PICO_ROGUE_SAVES"):
        return Path(os.environ["PICO_ROGUE_SAVES"]).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data).expanduser() / "pico-rogue" / "saves"


class RecordError(ValueError):
    """A file that is not a record this game can read; one line naming the
    file, where in it, and what is wrong."""


class SaveError(RecordError):
    """A battle save that cannot be read."""


class RunError(RecordError):
    """A suspended run that cannot be continued."""


class FinishedError(RecordError):
    """A finished run's record (or the high-score table) that cannot be read."""


def folder_or_saves(folder: Path | str | None) -> Path:
    return Path(folder) if folder else saves_home()


def read_json(path: Path, cap: int, what: str, error: type[RecordError]) -> Any:
    """The JSON of `path`, read within `cap` bytes (limits.py); `error` with
    one line naming the file for anything else."""
    try:
        text = limits.read_text(path, cap, what)
        return limits.json_loads(text)
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except limits.LimitError as exc:
        raise error(str(exc) if str(exc).startswith(str(path)) else f"{path}: {exc}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror or exc})") from None
    except ValueError as exc:  # json.JSONDecodeError, UnicodeDecodeError
        msg = getattr(exc, "msg", str(exc))
        at = f" at line {exc.lineno}" if hasattr(exc, "lineno") else ""
        raise error(f"{path}: not a {what} (not valid JSON: {msg}{at})") from None


def check_kind(where: Path | str, data: Any, kind: str, versions: tuple[int, ...], what: str,
               error: type[RecordError]) -> None:
    """`data` is a JSON object of `kind` at one of `versions`, or `error`."""
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise error(f"{where}: not a {what} (no \"kind\": \"{kind}\")")
    got = data.get("version")
    if type(got) is not int or got not in versions:  # noqa: E721 - true is not 1
        *most, last = map(str, versions)
        reads = f"version {last}" if not most else f"versions {', '.join(most)} and {last}"
        raise error(f"{where}: {what} version {short(got)}, this game reads {reads}")


def dumps(data: dict) -> bytes:
    """A record as its file holds it: indented JSON, a newline at the end."""
    return (json.dumps(data, indent=1) + "\n").encode()


def inert_all(value: Any) -> Any:
    """Every text of a record with its control characters shown escaped: a
    shared save is shown by replay, runs and the game, and must not drive
    the terminal. (A template text with one never parsed: nothing usable
    changes.)"""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, list):
        return [inert_all(v) for v in value]
    if isinstance(value, dict):
        return {k: inert_all(v) for k, v in value.items()}
    return value


def saves_folder(folder: Path | None) -> Path:
    """The folder battles and runs are written to, created if missing;
    raises RecordError naming the path when it cannot be one."""
    folder = folder_or_saves(folder)
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
