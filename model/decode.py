"""Greedy decoding of a next-state block, constrained by the target grammar.

One prompt (`decode_one`, what play and `resolve` use): the prompt goes
through the network once into a KV cache; then each grammar-fixed token is
queued and sent along with the next real choice, so the network runs once per
decision, not once per token. The cached steps run on `fast.FastPico` (the
same network in plain torch calls). `decode_uncached` makes the same
decisions but recomputes the whole sequence each time: the baseline the cache
is measured against. `decode_batch` decodes many prompts in lock-step for
evaluation.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .fast import FastPico
from .network import PicoModel
from .tokenizer import Structure, Tokenizer


def _packed(model: PicoModel | FastPico) -> FastPico:
    return FastPico(model) if isinstance(model, PicoModel) else model  # packing costs ~2 ms: resolvers keep one


def _pick(logits: list[float], allowed: frozenset[int]) -> int:
    # the lowest id among equal maxima, as argmax over the sorted ids would
    return max(sorted(allowed), key=logits.__getitem__)


def _decide(tok: Tokenizer, prompt_ids: list[int], grammar,
            logits_of: Callable[[list[int]], list[float]]) -> tuple[list[int], int]:
    """The decision loop: (target token ids, network calls). `logits_of(seq)`
    gives the next token's logits after `seq`; grammar-fixed tokens skip it."""
    seq = prompt_ids + [tok.sep]
    out: list[int] = []
    calls = 0
    allowed = next(grammar)
    try:
        while True:
            if len(allowed) == 1:
                (token,) = allowed
            else:
                token = _pick(logits_of(seq), allowed)
                calls += 1
            out.append(token)
            seq.append(token)
            if token == tok.eos:
                return out, calls
            allowed = grammar.send(token)
    except StopIteration:
        return out, calls


@torch.inference_mode()
def decode_one(model: PicoModel | FastPico, tok: Tokenizer, prompt_ids: list[int], grammar) -> tuple[list[int], int]:
    """(target token ids, network calls) for one prompt, with the KV cache:
    each call feeds only the tokens added since the last one (the chosen
    token and the grammar-fixed ones after it)."""
    net = _packed(model)
    cache = net.cache()
    structure = Structure(tok)

    def logits_of(seq: list[int]) -> list[float]:
        new = seq[cache.length:]
        return net.step(cache, [new], [[structure.push(i) for i in new]])[0].tolist()

    return _decide(tok, prompt_ids, grammar, logits_of)


@torch.inference_mode()
def decode_uncached(model: PicoModel, tok: Tokenizer, prompt_ids: list[int], grammar) -> tuple[list[int], int]:
    """The same decisions without a cache, through the nn.Module network:
    the baseline `bench` measures against."""
    def logits_of(seq: list[int]) -> list[float]:
        where = torch.tensor([Structure(tok).of(seq)])
        return model(torch.tensor([seq]), where, last_only=True)[0, -1].tolist()

    return _decide(tok, prompt_ids, grammar, logits_of)


@torch.inference_mode()
def decode_batch(model: PicoModel | FastPico, tok: Tokenizer, prompts: list[list[int]], grammars: list) -> list[list[int]]:
    """Decode prompts of the same token length together, one token per step each."""
    assert len({len(p) for p in prompts}) == 1, "decode_batch takes prompts of one length"
    net = _packed(model)
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
