"""Training examples: the JSONL lines `generate` writes (ExampleRecord:
`version`, `source`, `prompt`, `target`), and the one reader of `--data`
(for `train` and `eval`) that takes them and battle saves alike as
(prompt, target) pairs, skipping what is not an example with a reason."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field, Strict, ValidationError

from game.combat import limits
from game.combat.template import VERSION
from game.records.battle import PlayedWith, load_battle
from game.records.fields import Note, Record, Text, problem, written
from game.records.files import RecordError, SaveError

# An example's version is the template version of its target (v3 -> 3): a
# reader then knows which layout the text has without parsing it.
EXAMPLE_VERSION = int(VERSION.removeprefix("v"))


class ExampleRecord(Record):
    version: Annotated[int, Strict(), Field(ge=1, le=EXAMPLE_VERSION)] = EXAMPLE_VERSION
    source: Note = "file"
    prompt: Text
    target: Text


def example_record(source: str, prompt: str, target: str) -> dict:
    """One JSONL line as `generate` writes it."""
    return written(ExampleRecord, version=EXAMPLE_VERSION, source=source, prompt=prompt, target=target)


@dataclass(frozen=True, slots=True)
class Example:
    prompt: str
    target: str
    source: str  # the record's source (battle, broad, ...), or "battle save"
    where: str  # "FILE line N" or "FILE turn N": for messages
    played_with: PlayedWith | None = None  # a battle save's content (packs and digest); None for a JSONL line


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
            played = save.played_with
            for n, t in enumerate(save.turns, 1):
                if t["engine"]:
                    out.kept.append(Example(t["prompt"], t["engine"], "battle save", f"{f} turn {n}", played))
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
