"""Training examples: a fresh stream from the rules engine, optionally mixed
with saved battles and JSONL files. Nothing is written to disk.

Saved examples are data from anywhere, so each one is checked before a
single step: its prompt and target must parse, and the rules engine,
resolving the prompt again, must give the target (a disagreement is a
possible poisoning, or a battle saved under other rules). What is skipped
is counted with its reasons and reported."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch

from game.combat import schema
from game.world.generate import transitions
from model.tokenizer import Structure, Tokenizer
from model.training.drawn import v4_stream
from model.training.examples import TOO_LONG, DataError, Vetted, read_examples, vet  # noqa: F401 - training's view of them

STREAM = 1 << 62  # "forever" for the generator


def engine_stream(seed: int, wide_share: float = 0.0, edge_share: float = 0.0) -> Iterator[tuple[str, str]]:
    for r in transitions(STREAM, seed, wide_share=wide_share, edge_share=edge_share):
        yield r["prompt"], r["target"]


def saved_pairs(paths: list[Path]) -> list[tuple[str, str]]:
    """Every usable (prompt, target) in the given battle files, JSONL files and folders."""
    return read_examples(paths).pairs if paths else []


def mixed_stream(seed: int, saved: list[tuple[str, str]], saved_share: float,
                 wide_share: float = 0.0, focus: frozenset[str] = frozenset(),
                 focus_share: float = 0.0, edge_share: float = 0.0, template: str = "v3") -> Iterator[tuple[str, str]]:
    """The engine stream, with `saved_share` of examples drawn from `saved`,
    and `focus_share` of them turns whose action is in `focus` (the actions
    `eval` finds hardest get more practice)."""
    rng = random.Random(seed ^ 0x5A5A)
    engine = v4_stream(seed, edge_share) if template == "v4" else engine_stream(seed, wide_share, edge_share)
    while True:
        if saved and rng.random() < saved_share:
            yield rng.choice(saved)
        elif focus and rng.random() < focus_share:
            pair = next(engine)
            while action_of(pair[0]) not in focus:
                pair = next(engine)
            yield pair
        else:
            yield next(engine)


_ACTION = [i for i in schema.HEAD.items if not isinstance(i, schema.Slash)].index(
    next(i for i in schema.HEAD.items if getattr(i, "name", None) == "action"))


def action_of(prompt: str) -> str:
    """The ability a prompt's actor uses: its head's `action` word (game/schema.py)."""
    return prompt.split(maxsplit=_ACTION + 1)[_ACTION]


def encode(tok: Tokenizer, prompt: str, target: str) -> tuple[list[int], int]:
    """Token ids of prompt <sep> target <eos>, and where the target starts."""
    p = tok.encode(prompt) + [tok.sep]
    return p + tok.encode(target) + [tok.eos], len(p)


def collate(tok: Tokenizer, group: list[tuple[list[int], int]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(inputs, where, labels) for a group of encoded examples; labels are
    -100 outside the target, so the loss covers the target tokens only."""
    width = max(len(ids) for ids, _ in group) - 1
    x = np.full((len(group), width), tok.pad, dtype=np.int64)
    w = np.zeros((len(group), width, 4), dtype=np.int64)
    y = np.full((len(group), width), -100, dtype=np.int64)
    structure = Structure(tok)
    for row, (ids, start) in enumerate(group):
        n = len(ids) - 1
        x[row, :n] = ids[:-1]  # numpy, then one tensor each: torch.tensor per row is slow
        w[row, :n] = structure.reset().of(ids[:-1])
        y[row, start - 1 : n] = ids[start:]
    return torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(y)


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


class BatchStream(torch.utils.data.IterableDataset):
    """The batches of a mixed stream, made in DataLoader worker processes:
    the engine is plain Python, so a fast device waits on it otherwise.
    Worker k draws from its own seed; the loader takes the workers' batches
    in turn, so a seed and a worker count fix the order."""

    def __init__(self, seed: int, saved: list[tuple[str, str]], saved_share: float, wide_share: float,
                 tok: Tokenizer, batch: int, max_len: int, focus: frozenset[str] = frozenset(),
                 focus_share: float = 0.0, edge_share: float = 0.0, template: str = "v3"):
        super().__init__()
        self.template = template
        self.seed, self.saved, self.saved_share, self.wide_share = seed, saved, saved_share, wide_share
        self.tok, self.batch, self.max_len = tok, batch, max_len
        self.focus, self.focus_share, self.edge_share = focus, focus_share, edge_share

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        seed = self.seed + (info.id * 104_729 if info else 0)
        stream = mixed_stream(seed, self.saved, self.saved_share, self.wide_share, self.focus, self.focus_share,
                              self.edge_share, self.template)
        return batches(stream, self.tok, self.batch, self.max_len)


def loader(dataset: BatchStream, workers: int, pin: bool) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    if workers == 0:
        return iter(dataset)
    return iter(torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=workers, pin_memory=pin,
                                            prefetch_factor=4, persistent_workers=True))
