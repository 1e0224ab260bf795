"""Greedy decoding of a next-state block, constrained by the target grammar.

One prompt (`decode_one`, what play and `resolve` use): the prompt goes
through the network once into a KV cache; then each grammar-fixed token is
queued and sent along with the next real choice, so the network runs once per
decision, not once per token. `decode_uncached` makes the same decisions but
recomputes the whole sequence each time: the baseline the cache is measured
against. `decode_batch` decodes many prompts in lock-step for evaluation.
"""

from __future__ import annotations

import torch

from .network import Cache, PicoModel
from .tokenizer import Structure, Tokenizer


def _pick(logits: torch.Tensor, allowed: frozenset[int]) -> int:
    allowed_ids = sorted(allowed)
    return allowed_ids[int(logits[allowed_ids].argmax())]


@torch.inference_mode()
def decode_one(model: PicoModel, tok: Tokenizer, prompt_ids: list[int], grammar, cached: bool = True) -> tuple[list[int], int]:
    """(target token ids, network calls) for one prompt. With `cached`, each
    call feeds only the tokens added since the last one (the chosen token and
    the grammar-fixed ones after it); without, it reads the whole sequence."""
    cache = Cache(model.config, 1) if cached else None
    structure = Structure(tok)
    seq = prompt_ids + [tok.sep]
    fed = 0  # tokens of `seq` already in the cache
    out: list[int] = []
    calls = 0
    allowed = next(grammar)
    try:
        while True:
            if len(allowed) == 1:
                (token,) = allowed
            else:
                if cached:
                    new = seq[fed:]
                    where = [[structure.push(i) for i in new]]
                    fed = len(seq)
                else:
                    new, where = seq, [Structure(tok).of(seq)]
                logits = model(torch.tensor([new]), torch.tensor(where), cache, last_only=True)[0, -1]
                calls += 1
                token = _pick(logits, allowed)
            out.append(token)
            seq.append(token)
            if token == tok.eos:
                return out, calls
            allowed = grammar.send(token)
    except StopIteration:
        return out, calls


def decode_uncached(model: PicoModel, tok: Tokenizer, prompt_ids: list[int], grammar) -> tuple[list[int], int]:
    """The same decisions without a cache: the baseline `bench` measures against."""
    return decode_one(model, tok, prompt_ids, grammar, cached=False)


@torch.inference_mode()
def decode_batch(model: PicoModel, tok: Tokenizer, prompts: list[list[int]], grammars: list) -> list[list[int]]:
    """Decode prompts of the same token length together, one token per step each."""
    assert len({len(p) for p in prompts}) == 1, "decode_batch takes prompts of one length"
    b = len(prompts)
    cache = Cache(model.config, b)
    structures = [Structure(tok) for _ in range(b)]
    first = [p + [tok.sep] for p in prompts]
    where = torch.tensor([s.of(f) for s, f in zip(structures, first, strict=True)])
    logits = model(torch.tensor(first), where, cache, last_only=True)[:, -1]
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
        if all(done) or cache.length + 1 > model.config.max_len:
            break
        where = torch.tensor([[s.push(t)] for s, t in zip(structures, step, strict=True)])
        logits = model(torch.tensor(step).unsqueeze(1), where, cache, last_only=True)[:, -1]
    return outs
