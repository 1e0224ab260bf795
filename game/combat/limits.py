"""Limits on everything a user hands the program, declared once.

Every file the program reads is checked before a byte of it is read: it must
be a regular file (a link is followed and what it points at is checked: not a
device, a fifo or a folder) no larger than the cap for its kind. Streams are
read a line at a time with a cap on the line, so `/dev/zero` on stdin costs a
fixed amount of memory. Every count a user passes has a range. The caps are
far past any real use (a battle of 120 turns saves in about 200 KB); they only
stop a hostile or broken input from eating the machine. The README's "Limits
and safety" section lists them.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

KIB, MIB = 1 << 10, 1 << 20

# --- files, by what they hold (bytes) ---------------------------------------
BATTLE_SAVE_BYTES = 32 * MIB  # a save of SAVE_TURNS turns of the longest texts
RUN_BYTES = 8 * MIB  # a suspended run: one floor, one battle, the log
DATA_BYTES = 64 * MIB  # one --data JSONL file (read a line at a time; ~130,000 examples)
CONTENT_BYTES = 1 * MIB  # one content YAML file (assets/ or a pack's; the largest bundled one is ~3 KB)
CHECKPOINT_META_BYTES = 16 * MIB  # a training checkpoint's JSON metadata

# --- inside records and streams ----------------------------------------------
LINE_BYTES = 1 * MIB  # one line of a JSONL stream or file (a request is ~400 bytes)
TEXT_CHARS = 4 * KIB  # one template text: prompt, target or model answer (~300 chars)
NOTE_CHARS = 4 * KIB  # any other text in a record: an error, a narration line, a name
DIGITS = 32  # the longest number in a JSON text (the template's longest has 3 digits; a float 24 characters)
SAVE_TURNS = 10_000  # turns in one battle save (a real battle has fewer than 150)
EXAMPLES = 50_000  # training or evaluation examples read from --data, all files together (300 battles: ~3,000)
DATA_FILES = 100_000  # files read from --data folders
CONTENT_NODES = 20_000  # values (scalars, lists, mappings) in one content file (monsters.yaml holds ~250)
CONTENT_DEPTH = 16  # lists and mappings nested in one content file (the bundled files nest 3 deep)
PACKS = 16  # --pack folders on one command line
PACK_ENTRIES = 1_000  # files and folders looked at in one pack folder (for a misspelt asset file's name)

# --- counts a user passes on the command line (inclusive ranges) -------------
COUNTS = {
    "generate --n": (0, 100_000_000),  # streamed: memory does not grow with it
    "eval --n": (1, 100_000),
    "eval --battles": (0, 10_000),
    "eval --runs": (0, 1_000),
    "eval --edges": (0, 100_000),
    "bench --n": (1, 10_000),
    "selfplay --battles": (0, 100_000),
    "selfplay --runs": (0, 100_000),
    "train --steps": (1, 10_000_000),
    "train --workers": (0, 64),
    "resolve --threads": (1, 256),
    "--threads": (1, 256),
    "serve --max-games": (1, 64),  # each game a process of ~50 MB
}
TRAIN_MINUTES = 7 * 24 * 60.0  # a week
BATCH = 4_096  # examples in one training batch (--set batch=...)


class LimitError(ValueError):
    """An input past a declared limit, or a path that is not a regular file;
    the message names the path and the limit."""


# --- files ----------------------------------------------------------------------


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a fifo"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _where(path: Path) -> str:
    """The path, and where it leads when it is a link."""
    if path.is_symlink():
        return f"{path} (a link to {path.resolve()})"
    return str(path)


def regular_file(path: Path | str, cap: int, what: str) -> os.stat_result:
    """Check that `path` (links followed) is a regular file of at most `cap`
    bytes; raises FileNotFoundError or LimitError naming it."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if path.is_symlink():
            raise LimitError(f"{path}: a link to {os.readlink(path)}, which does not exist") from None
        raise FileNotFoundError(2, f"no such {what}", str(path)) from None
    if not stat.S_ISREG(info.st_mode):
        raise LimitError(f"{_where(path)}: {_kind(info.st_mode)}, not a {what}")
    if info.st_size > cap:
        raise LimitError(f"{_where(path)}: {info.st_size:,} bytes, past the {cap:,}-byte limit for a {what}")
    return info


def read_bytes(path: Path | str, cap: int, what: str) -> bytes:
    """The bytes of a regular file of at most `cap` bytes, checked before
    reading and bounded while reading (a file that grows is cut off)."""
    path = Path(path)
    regular_file(path, cap, what)
    # O_NONBLOCK: had the path been swapped for a fifo since the check, open does not hang
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LimitError(f"{_where(path)}: {_kind(info.st_mode)}, not a {what}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(cap + 1)
    finally:
        os.close(fd)
    if len(data) > cap:
        raise LimitError(f"{_where(path)}: past the {cap:,}-byte limit for a {what}")
    return data


def read_text(path: Path | str, cap: int, what: str) -> str:
    """A UTF-8 text file of at most `cap` bytes; LimitError if it is not UTF-8."""
    data = read_bytes(path, cap, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LimitError(f"{path}: not UTF-8 text (line {line}, byte {exc.start})") from None


def open_lines(path: Path | str, cap: int, what: str) -> BinaryIO:
    """A regular file of at most `cap` bytes, opened to be read a line at a time."""
    path = Path(path)
    regular_file(path, cap, what)
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


def lines(stream: BinaryIO, cap: int = LINE_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """(line number, line) for each line of a binary stream, the newline
    dropped; a line longer than `cap` bytes comes as None as soon as the cap
    is passed, and the rest of it is skipped without being kept. Memory stays
    under `cap` whatever the stream holds (a 100 MB line, /dev/zero)."""
    n = 0
    while True:
        chunk = stream.readline(cap + 1)
        if not chunk:
            return
        n += 1
        if chunk.endswith(b"\n") or len(chunk) <= cap:
            yield n, chunk.rstrip(b"\r\n") if chunk.endswith(b"\n") else chunk
            continue
        yield n, None
        while chunk and not chunk.endswith(b"\n"):
            chunk = stream.readline(cap + 1)


# --- JSON -----------------------------------------------------------------------


def _number(text: str, kind: Callable[[str], Any]) -> Any:
    if len(text) > DIGITS:
        raise LimitError(f"a number of {len(text):,} characters (at most {DIGITS})")
    return kind(text)


def _constant(name: str) -> Any:
    raise LimitError(f"{name} is not a JSON number")


def json_loads(text: str | bytes) -> Any:
    """json.loads with the limits a hostile text meets: numbers longer than
    DIGITS, NaN and Infinity, nesting past Python's recursion limit. Raises
    LimitError or ValueError (json.JSONDecodeError) with one line."""
    try:
        return json.loads(text, parse_int=lambda s: _number(s, int), parse_float=lambda s: _number(s, float),
                          parse_constant=_constant)
    except RecursionError:
        raise LimitError("JSON nested too deeply") from None


# --- counts -----------------------------------------------------------------------


def count(name: str) -> Callable[[str], int]:
    """An argparse `type` for the count `name` in COUNTS: a whole number in range."""
    lo, hi = COUNTS[name]

    def parse(text: str) -> int:
        try:
            value = int(text) if len(text) <= DIGITS else None
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"expected a whole number from {lo:,} to {hi:,}, got {text!r}")
        return value

    parse.__name__ = "count"
    return parse


def check_count(name: str, value: int) -> int:
    """The same range as `count`, for a value that came another way; LimitError."""
    lo, hi = COUNTS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise LimitError(f"{name}: expected a whole number from {lo:,} to {hi:,}, got {value!r}")
    return value
