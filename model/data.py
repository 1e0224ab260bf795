"""Training examples: a fresh stream from the rules engine, optionally mixed
with saved battles and JSONL files. Nothing is written to disk."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path

import torch

from game.generate import transitions

from .tokenizer import Structure, Tokenizer

STREAM = 1 << 62  # "forever" for the generator


class DataError(Exception):
    """A data file that cannot be used; the message names it."""


def engine_stream(seed: int) -> Iterator[tuple[str, str]]:
    for r in transitions(STREAM, seed):
        yield r["prompt"], r["target"]


def _pairs_from(path: Path) -> list[tuple[str, str]]:
    text = path.read_text()
    if path.suffix == ".jsonl":
        out = []
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
                out.append((r["prompt"], r["target"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                raise DataError(f"{path}: line {n} is not a JSON object with 'prompt' and 'target'") from None
        return out
    try:
        battle = json.loads(text)
        if battle.get("kind") != "pico-rogue battle":
            raise DataError(f"{path}: not a pico-rogue battle save")
        return [(t["prompt"], t["engine"]) for t in battle["turns"] if t.get("engine")]
    except (json.JSONDecodeError, AttributeError, KeyError, TypeError):
        raise DataError(f"{path}: not a pico-rogue battle save or JSONL file") from None


def saved_pairs(paths: list[Path]) -> list[tuple[str, str]]:
    """Every (prompt, target) in the given battle files, JSONL files and folders."""
    out: list[tuple[str, str]] = []
    for path in paths:
        if not path.exists():
            raise DataError(f"{path}: no such file or folder")
        files = sorted(p for p in path.rglob("*") if p.suffix in (".json", ".jsonl")) if path.is_dir() else [path]
        for f in files:
            if f != path and f.name.startswith(("run", ".")):  # in a folder: the suspended run, not a battle
                continue
            out += _pairs_from(f)
    return out


def mixed_stream(seed: int, saved: list[tuple[str, str]], saved_share: float) -> Iterator[tuple[str, str]]:
    """The engine stream, with `saved_share` of examples drawn from `saved`."""
    rng = random.Random(seed ^ 0x5A5A)
    engine = engine_stream(seed)
    while True:
        if saved and rng.random() < saved_share:
            yield rng.choice(saved)
        else:
            yield next(engine)


def encode(tok: Tokenizer, prompt: str, target: str) -> tuple[list[int], int]:
    """Token ids of prompt <sep> target <eos>, and where the target starts."""
    p = tok.encode(prompt) + [tok.sep]
    return p + tok.encode(target) + [tok.eos], len(p)


def collate(tok: Tokenizer, group: list[tuple[list[int], int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(inputs, where, labels) for a group of encoded examples; labels are
    -100 outside the target, so the loss covers the target tokens only."""
    width = max(len(ids) for ids, _ in group) - 1
    x = torch.full((len(group), width), tok.pad, dtype=torch.long)
    w = torch.zeros((len(group), width, 4), dtype=torch.long)
    y = torch.full((len(group), width), -100, dtype=torch.long)
    for row, (ids, start) in enumerate(group):
        n = len(ids) - 1
        x[row, :n] = torch.tensor(ids[:-1])
        w[row, :n] = torch.tensor(Structure(tok).of(ids[:-1]))
        y[row, start - 1 : n] = torch.tensor(ids[start:])
    return x, w, y


def batches(stream: Iterator[tuple[str, str]], tok: Tokenizer, batch: int, max_len: int,
            pool: int = 8) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Batches of (inputs, where, labels) from the stream.

    Draws `pool` batches' worth of examples and groups them by length, so
    little compute goes to padding."""
    while True:
        examples = []
        while len(examples) < batch * pool:
            ids, start = encode(tok, *next(stream))
            if len(ids) <= max_len + 1:
                examples.append((ids, start))
        examples.sort(key=lambda e: len(e[0]))
        groups = [examples[i:i + batch] for i in range(0, len(examples), batch)]
        random.Random(len(examples[0][0])).shuffle(groups)
        for group in groups:
            yield collate(tok, group)
