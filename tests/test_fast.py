"""The fast decoding step (model/fast.py) is the network of model/network.py:
fed a sequence the way decoding feeds it, it gives the nn.Module's logits,
and greedy decoding through it makes the same choices, token for token, as
cached decoding through the nn.Module, for a small random model and for the
bundled one."""

from __future__ import annotations

import pytest
import torch
from model_fixtures import fresh_records, untrained

from game.content import default
from game.template import parse_prompt
from model.decode import decode_one
from model.fast import FastPico
from model.grammar import target_grammar
from model.network import Cache, PicoModel
from model.tokenizer import Structure, Tokenizer
from model.weights import BUNDLED, load

pytestmark = pytest.mark.usefixtures("one_thread")
CONTENT = default()
ATOL = 1e-4


def grammar_for(tok: Tokenizer, prompt: str):
    return target_grammar(parse_prompt(prompt, CONTENT), tok, CONTENT.status_order)


def module_decode(model: PicoModel, tok: Tokenizer, prompt_ids: list[int], grammar) -> list[int]:
    """Cached greedy decoding through PicoModel.forward, as decode.py did it
    before the fast path: the reference."""
    cache, structure = Cache(model.config, 1), Structure(tok)
    seq, fed, out = prompt_ids + [tok.sep], 0, []
    allowed = next(grammar)
    try:
        while True:
            if len(allowed) == 1:
                (token,) = allowed
            else:
                new, fed = seq[fed:], len(seq)
                logits = model(torch.tensor([new]), torch.tensor([structure.of(new)]), cache, last_only=True)[0, -1]
                ids = sorted(allowed)
                token = ids[int(logits[ids].argmax())]
            out.append(token)
            seq.append(token)
            if token == tok.eos:
                return out
            allowed = grammar.send(token)
    except StopIteration:
        return out


def pieces(tok: Tokenizer, record: dict) -> list[list[int]]:
    """Prompt and target cut as decoding feeds them: the prompt with <sep>,
    then runs of one to four tokens."""
    target = tok.encode(record["target"]) + [tok.eos]
    cuts, at, n = [tok.encode(record["prompt"]) + [tok.sep]], 0, 0
    while at < len(target):
        size = 1 + n % 4
        cuts.append(target[at : at + size])
        at, n = at + size, n + 1
    return cuts


def bundled() -> tuple[PicoModel, Tokenizer]:
    if not BUNDLED.exists():
        pytest.skip("no bundled weights (assets/pico.safetensors)")
    model, tok, _ = load(BUNDLED)
    return model.eval(), tok


MODELS = {"random": lambda: untrained(seed=0), "bundled": bundled}


@pytest.mark.parametrize("which", MODELS)
def test_each_step_gives_the_modules_logits(which):
    model, tok = MODELS[which]()
    fast = FastPico(model)
    with torch.inference_mode():
        for record in fresh_records(40, seed=51) + fresh_records(5, seed=52, monsters=3):
            cache, fast_cache, structure = Cache(model.config, 1), fast.cache(), Structure(tok)
            for ids in pieces(tok, record):
                where = structure.of(ids)
                expected = model(torch.tensor([ids]), torch.tensor([where]), cache, last_only=True)[:, -1]
                torch.testing.assert_close(fast.step(fast_cache, [ids], [where]), expected, atol=ATOL, rtol=0)
            assert fast_cache.length == cache.length


@pytest.mark.parametrize(("which", "n"), [("random", 300), ("bundled", 200)])
def test_greedy_outputs_equal_the_modules_token_for_token(which, n):
    model, tok = MODELS[which]()
    fast = FastPico(model)
    records = fresh_records(n - 20, seed=53) + fresh_records(20, seed=54, monsters=3)
    with torch.inference_mode():
        for k, record in enumerate(records):
            ids = tok.encode(record["prompt"])
            expected = module_decode(model, tok, ids, grammar_for(tok, record["prompt"]))
            assert decode_one(fast, tok, ids, grammar_for(tok, record["prompt"]))[0] == expected, f"prompt {k}"


def test_a_batch_step_gives_each_rows_own_logits():
    model, tok = untrained(seed=3)
    fast = FastPico(model)
    prompts = [tok.encode(r["prompt"])[:40] for r in fresh_records(2, seed=55)]
    alone, structures = [], [Structure(tok) for _ in prompts]
    for ids in prompts:
        cache, structure = fast.cache(), Structure(tok)
        fast.step(cache, [ids], [structure.of(ids)])
        alone.append(fast.step(cache, [[tok.sep]], [[structure.push(tok.sep)]]))
    cache = fast.cache(len(prompts))
    fast.step(cache, prompts, [s.of(ids) for s, ids in zip(structures, prompts, strict=True)])
    together = fast.step(cache, [[tok.sep]] * len(prompts), [[s.push(tok.sep)] for s in structures])
    torch.testing.assert_close(together, torch.cat(alone), atol=ATOL, rtol=0)


def test_a_sequence_longer_than_the_model_is_refused():
    model, _ = untrained(seed=0, max_len=16)
    fast = FastPico(model)
    cache = fast.cache()
    fast.step(cache, [[4] * 10], [[(0, 0, 0, 0)] * 10])
    with pytest.raises(ValueError, match="exceeds"):
        fast.step(cache, [[4] * 10], [[(0, 0, 0, 0)] * 10])
