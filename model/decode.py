"""Greedy decoding of a next-state block, constrained by the target grammar:
the one decode loop, whatever runs the network.

A network step is any object with `cache(batch)` (its `length` settable
backwards: a rewind) and `step(cache, ids, where, every=False)` returning
numpy logits of the last fed position, or of every fed position with
`every` (pico_numpy.NumpyPico, pico_torch.TorchPico, or `Uncached` of
either).

One prompt (`decode_one`, what play and `resolve` use): the prompt goes
through the network once into the cache; each grammar-fixed token is queued
and fed along with the next real decision, so the network runs once per
decision, not once per token. With a drafter (an object with `push(token)`,
told every token emitted, and `guess()`, the tokens it expects next), a
decision also feeds the draft in the same pass, with logits for every
position, and walks the grammar through it: a drafted token is kept only
where it is the network's own (grammar-constrained, greedy) choice at that
position; at the first disagreement the network's choice is emitted instead
and the cache rewinds past the rest. The network makes every decision, so
the output is the same with any drafter or none; a good draft only saves
calls.

`decode_batch` decodes prompts of one token length in lock-step, one token
per row per step; `decode_all` many prompts, in batches of one length (what
`eval` and the lab use).
"""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from model.tokenizer import Structure, Tokenizer

Grammar = Generator[frozenset[int], int, None]
BATCH = 64  # prompts a batch step feeds together


class Drafter(Protocol):
    def push(self, token: int) -> None: ...

    def guess(self) -> list[int]: ...


@dataclass(frozen=True)
class Decoded:
    ids: list[int]  # the next-state block's token ids, <eos> included when reached
    calls: int  # network steps, the prompt's included (it is fed with the first decision)
    fed: int  # tokens fed to the network, the prompt and rejected drafts included
    drafted: int = 0  # drafted tokens kept
    # the network's margin: the lowest probability, among the tokens the
    # grammar allowed, that it gave its own choice at any real decision
    # (1.0 when nothing was left to decide). How close it came to being wrong.
    sure: float = 1.0


def _pick(logits: list[float], allowed: frozenset[int]) -> int:
    # the lowest id among equal maxima, as argmax over the sorted ids would
    return max(sorted(allowed), key=logits.__getitem__)


def _share(logits: list[float], allowed: frozenset[int], token: int) -> float:
    """The probability of `token` among the `allowed` ones (a softmax over them)."""
    top = logits[token]
    return 1.0 / sum(math.exp(min(logits[t] - top, 0.0)) if t != token else 1.0 for t in allowed)


def decode_one(net, tok: Tokenizer, prompt_ids: list[int], grammar: Grammar, drafter: Drafter | None = None) -> Decoded:
    """Decode one prompt with the KV cache; see the module docstring."""
    cache = net.cache()
    structure = Structure(tok)
    vocab, max_len = len(tok), net.config.max_len
    pending = [*prompt_ids, tok.sep]  # emitted (or given) but not yet fed
    out: list[int] = []
    calls = fed = kept = 0
    sure = 1.0
    try:
        allowed = next(grammar)
        while True:
            if len(allowed) == 1:
                (token,) = allowed
            else:
                draft = []
                if drafter is not None:
                    room = max_len - cache.length - len(pending)
                    for t in drafter.guess()[:max(room, 0)]:
                        if not (isinstance(t, int) and 0 <= t < vocab):
                            break  # not a token: the draft ends here
                        draft.append(t)
                places = structure.of(pending)
                if draft:
                    places += copy.copy(structure).of(draft)  # committed below only as far as it is kept
                start = cache.length
                logits = net.step(cache, [pending + draft], [places], every=bool(draft))[0]
                calls += 1
                fed += len(pending) + len(draft)
                if not draft:
                    row = logits.tolist()
                    token = _pick(row, allowed)
                    sure = min(sure, _share(row, allowed, token))
                else:
                    rows = logits[len(pending) - 1:].tolist()
                    token = _pick(rows[0], allowed)
                    sure = min(sure, _share(rows[0], allowed, token))
                    i = 0
                    while token == draft[i]:  # the network chose what was drafted: it is already in the cache
                        out.append(token)
                        drafter.push(token)
                        kept += 1
                        if token == tok.eos:
                            return Decoded(out, calls, fed, kept, sure)
                        allowed = grammar.send(token)
                        i += 1
                        if len(allowed) == 1:
                            token = next(iter(allowed))
                        else:
                            token = _pick(rows[i], allowed)
                            sure = min(sure, _share(rows[i], allowed, token))
                        if i == len(draft):
                            break
                    structure.of(draft[:i])
                    cache.length = start + len(pending) + i  # rewinds past a rejected draft
                pending = []
            out.append(token)
            pending.append(token)
            if drafter is not None:
                drafter.push(token)
            if token == tok.eos:
                return Decoded(out, calls, fed, kept, sure)
            allowed = grammar.send(token)
    except StopIteration:
        return Decoded(out, calls, fed, kept, sure)


class _History:
    """`Uncached`'s cache: the tokens so far; `length` rewinds them."""

    def __init__(self, inner, batch: int):
        self.inner = inner
        self.ids: list[list[int]] = [[] for _ in range(batch)]
        self.where: list[list[tuple[int, int, int, int]]] = [[] for _ in range(batch)]

    @property
    def length(self) -> int:
        return len(self.ids[0])

    @length.setter
    def length(self, n: int) -> None:
        self.ids = [row[:n] for row in self.ids]
        self.where = [row[:n] for row in self.where]


class Uncached:
    """A network step that recomputes the whole sequence each call, with the
    same decisions: the baseline the cache is measured against."""

    def __init__(self, net):
        self.net, self.config, self.name = net, net.config, f"{net.name}, no cache"

    def cache(self, batch: int = 1) -> _History:
        return _History(self.net.cache(batch), batch)

    def step(self, cache: _History, ids: list[list[int]], where: list[list[tuple[int, int, int, int]]],
             every: bool = False) -> np.ndarray:
        for have, new in zip(cache.ids, ids, strict=True):
            have.extend(new)
        for have, new in zip(cache.where, where, strict=True):
            have.extend(new)
        cache.inner.length = 0
        logits = self.net.step(cache.inner, cache.ids, cache.where, every=every)
        return logits[:, -len(ids[0]):] if every else logits


def decode_batch(net, tok: Tokenizer, prompts: list[list[int]], grammars: list[Grammar]) -> list[list[int]]:
    """Decode prompts of the same token length together, one token per step each."""
    if len({len(p) for p in prompts}) != 1:
        raise ValueError("decode_batch takes prompts of one length")
    b = len(prompts)
    cache = net.cache(b)
    structures = [Structure(tok) for _ in range(b)]
    first = [p + [tok.sep] for p in prompts]
    logits = net.step(cache, first, [s.of(f) for s, f in zip(structures, first, strict=True)]).tolist()
    allowed = [next(g) for g in grammars]
    outs: list[list[int]] = [[] for _ in range(b)]
    done = [False] * b
    while not all(done):
        step = []
        for i in range(b):
            if done[i]:
                step.append(tok.pad)
                continue
            token = next(iter(allowed[i])) if len(allowed[i]) == 1 else _pick(logits[i], allowed[i])
            outs[i].append(token)
            step.append(token)
            if token == tok.eos:
                done[i] = True
            else:
                try:
                    allowed[i] = grammars[i].send(token)
                except StopIteration:
                    done[i] = True
        if all(done) or cache.length + 1 > net.config.max_len:
            break
        logits = net.step(cache, [[t] for t in step], [[s.push(t)] for s, t in zip(structures, step, strict=True)]).tolist()
    return outs


def decode_all(net, tok: Tokenizer, work: list[tuple[list[int], Grammar]], batch: int = BATCH) -> list[list[int]]:
    """The output ids for every (prompt ids, grammar), in order: prompts of
    one token length are decoded together, `batch` at a time."""
    out: list[list[int]] = [[] for _ in work]
    groups: dict[int, list[int]] = defaultdict(list)
    for i, (ids, _) in enumerate(work):
        groups[len(ids)].append(i)
    for group in groups.values():
        for k in range(0, len(group), batch):
            chunk = group[k:k + batch]
            decoded = decode_batch(net, tok, [work[i][0] for i in chunk], [work[i][1] for i in chunk])
            for i, ids in zip(chunk, decoded, strict=True):
                out[i] = ids
    return out
