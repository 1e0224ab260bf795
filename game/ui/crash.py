"""When the game itself fails: what is written down, and what the player is told.

The app catches any exception its screens, timers and workers let out (see
`PicoRogueApp._handle_exception`), keeps the run, and writes a report here:
the traceback and the facts needed to replay the way there (seed, version,
screens, the run's last messages). The player sees one line, not a
traceback: the command line prints `Crash.line()` once the terminal is back."""

from __future__ import annotations

import platform
import sys
import time
import traceback
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from game.combat.inert import inert
from game.records import atomic

EXIT_STATUS = 70  # EX_SOFTWARE (sysexits.h): an internal error, not the player's doing
LOG_LINES = 30  # the run's last messages kept in a report


@dataclass
class Crash:
    """One unexpected error: what it was, whether the run was kept, the report."""

    error: str  # "ZeroDivisionError: division by zero"
    kept: str  # "the run was saved", "the run had ended", "the run could not be saved (...)"
    report: Path | None = None
    unwritten: str | None = None  # why no report could be written

    def line(self) -> str:
        """What the player is told, in one line (no traceback: that is in the report)."""
        where = f"report at {self.report}" if self.report else f"no report could be written ({self.unwritten})"
        return inert(f"an internal error ({self.error}); {self.kept}; {where}", lines=False)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip().rstrip(":")


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def report_text(error: BaseException, facts: dict[str, object], log: list[str] | tuple[str, ...] = (),
                now: float | None = None) -> str:
    """The report: when, what, the facts, the run's last messages, the traceback."""
    now = time.time() if now is None else now
    lines = [
        "pico-rogue crash report",
        f"time: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(now))}",
        f"error: {describe(error)}",
        f"version: pico-rogue {version('pico-rogue')}, textual {version('textual')}, "
        f"python {platform.python_version()} on {sys.platform}",
    ]
    lines += [f"{key}: {value}" for key, value in facts.items()]
    if log:
        lines += ["", f"the run's last messages ({min(len(log), LOG_LINES)}):"]
        lines += [f"  {line}" for line in list(log)[-LOG_LINES:]]
    lines += ["", "traceback:", "".join(traceback.format_exception(error)).rstrip()]
    return "\n".join(lines) + "\n"


def write_report(folder: Path, error: BaseException, facts: dict[str, object],
                 log: list[str] | tuple[str, ...] = (), now: float | None = None) -> Path:
    """Write the report as crash-YYYYmmdd-HHMMSS-NNN.txt in `folder`, atomically
    and under a name never used before; returns its path."""
    now = time.time() if now is None else now
    stem = time.strftime("crash-%Y%m%d-%H%M%S", time.gmtime(now))
    return atomic.create(folder, stem, report_text(error, facts, log, now).encode(), suffix=".txt")
