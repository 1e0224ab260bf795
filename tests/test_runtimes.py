"""The two runtimes (model/pico_numpy.py, model/pico_torch.py) are the network
of model/network.py: fed a sequence the way decoding feeds it, each gives the
nn.Module's logits (of the last position, or of every one); a batch step
gives each row its own; a rewound cache gives what a fresh one would. And
greedy decoding on the numpy runtime makes the same choices, token for
token, as on the torch runtime, for a small random model and for the
bundled one."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from model_fixtures import as_read, fresh_records, untrained

from game.combat.content import default
from game.combat.template import parse_prompt
from model.decode import Uncached, decode_one
from model.grammar import target_grammar
from model.network import Cache, PicoModel
from model.pico_numpy import NumpyPico
from model.pico_torch import TorchPico
from model.tokenizer import N_ARGS, N_ROLES, N_SEGMENTS, Structure, Tokenizer
from model.weights import BUNDLED, load

pytestmark = pytest.mark.usefixtures("one_thread")
CONTENT = default()
ATOL = 1e-4


def grammar_for(tok: Tokenizer, prompt: str):
    """The grammar for `prompt` as the model of `tok` reads it (`as_read`)."""
    text, _, content = as_read(tok, prompt)
    return target_grammar(parse_prompt(text, content), tok, content.status_order)


def encoded(tok: Tokenizer, prompt: str) -> list[int]:
    return tok.encode(as_read(tok, prompt)[0])


def numpy_of(model: PicoModel) -> NumpyPico:
    return NumpyPico({k: v.numpy() for k, v in model.state_dict().items()}, model.config)


RUNTIMES = {"numpy": numpy_of, "torch": TorchPico}


def module_decode(model: PicoModel, tok: Tokenizer, prompt_ids: list[int], grammar) -> list[int]:
    """Cached greedy decoding through PicoModel.forward, one call per
    decision as decode_one makes them: the reference."""
    cache, structure = Cache(model.config, 1), Structure(tok)
    seq, fed, out = prompt_ids + [tok.sep], 0, []
    allowed = next(grammar)
    try:
        while True:
            if len(allowed) == 1:
                (token,) = allowed
            else:
                new, fed = seq[fed:], len(seq)
                with torch.no_grad():
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
    prompt, target, _ = as_read(tok, record["prompt"], record["target"])
    target = tok.encode(target) + [tok.eos]
    cuts, at, n = [tok.encode(prompt) + [tok.sep]], 0, 0
    while at < len(target):
        size = 1 + n % 4
        cuts.append(target[at : at + size])
        at, n = at + size, n + 1
    return cuts


def bundled() -> tuple[PicoModel, Tokenizer]:
    if not BUNDLED.exists():
        pytest.skip("no bundled weights (assets/pico.safetensors)")
    model, tok, _ = load(BUNDLED)
    return model, tok


MODELS = {"random": lambda: untrained(seed=0), "bundled": bundled}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("which", MODELS)
def test_each_step_gives_the_modules_logits(which, runtime):
    model, tok = MODELS[which]()
    net = RUNTIMES[runtime](model)
    for record in fresh_records(10, seed=51) + fresh_records(3, seed=52, monsters=3):
        cache, net_cache, structure = Cache(model.config, 1), net.cache(), Structure(tok)
        for ids in pieces(tok, record):
            where = structure.of(ids)
            with torch.no_grad():
                expected = model(torch.tensor([ids]), torch.tensor([where]), cache, last_only=True)[:, -1].numpy()
            got = net.step(net_cache, [ids], [where])
            assert got.shape == expected.shape and isinstance(got, np.ndarray)
            np.testing.assert_allclose(got, expected, atol=ATOL, rtol=0)
        assert net_cache.length == cache.length


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_every_gives_each_fed_positions_logits(runtime):
    model, tok = untrained(seed=5)
    net = RUNTIMES[runtime](model)
    record = fresh_records(1, seed=56, monsters=3)[0]
    ids = tok.encode(record["prompt"]) + [tok.sep] + tok.encode(record["target"]) + [tok.eos]
    where = Structure(tok).of(ids)
    with torch.no_grad():
        full = model(torch.tensor([ids]), torch.tensor([where]))[0].numpy()
    cache, at = net.cache(), 0
    for size in (40, 1, 7, 2, 500):  # whole runs, as a drafted decision feeds them
        got = net.step(cache, [ids[at:at + size]], [where[at:at + size]], every=True)
        assert got.shape == (1, len(ids[at:at + size]), len(tok))
        np.testing.assert_allclose(got[0], full[at:at + size], atol=ATOL, rtol=0)
        at += size
        if at >= len(ids):
            break


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_rewound_cache_answers_as_a_fresh_one(runtime):
    model, tok = untrained(seed=6)
    net = RUNTIMES[runtime](model)
    record = fresh_records(1, seed=57)[0]
    ids = tok.encode(record["prompt"]) + [tok.sep] + tok.encode(record["target"])
    where = Structure(tok).of(ids)
    cut = len(tok.encode(record["prompt"])) + 1
    cache = net.cache()
    net.step(cache, [ids[:cut]], [where[:cut]])
    wrong = [(t + 7) % len(tok) for t in ids[cut:cut + 5]]
    net.step(cache, [wrong], [where[cut:cut + 5]], every=True)  # a rejected draft
    cache.length = cut
    again = net.step(cache, [ids[cut:cut + 3]], [where[cut:cut + 3]])
    fresh = net.cache()
    net.step(fresh, [ids[:cut]], [where[:cut]])
    np.testing.assert_allclose(again, net.step(fresh, [ids[cut:cut + 3]], [where[cut:cut + 3]]), atol=ATOL, rtol=0)


def same_decisions(model: PicoModel, tok: Tokenizer, records: list[dict], module_every: int) -> None:
    numpy_net, torch_net = numpy_of(model), TorchPico(model)
    for k, record in enumerate(records):
        ids = encoded(tok, record["prompt"])
        mine = decode_one(numpy_net, tok, ids, grammar_for(tok, record["prompt"]))
        theirs = decode_one(torch_net, tok, ids, grammar_for(tok, record["prompt"]))
        assert mine.ids == theirs.ids, f"prompt {k}"
        assert mine.calls == theirs.calls and mine.fed == theirs.fed
        if k % module_every == 0:
            assert theirs.ids == module_decode(model, tok, ids, grammar_for(tok, record["prompt"])), f"prompt {k}"


@pytest.mark.parametrize(("which", "n"), [("random", 40), ("bundled", 25)])
def test_numpy_decodes_as_torch_and_the_module_token_for_token(which, n):
    """The torch runtime against the module on a sample, numpy against torch on every prompt."""
    model, tok = MODELS[which]()
    same_decisions(model, tok, fresh_records(n - 10, seed=53) + fresh_records(10, seed=54, monsters=3), module_every=10)


@pytest.mark.slow
def test_on_hundreds_of_prompts_the_bundled_model_decides_the_same_on_both_runtimes():
    model, tok = bundled()
    same_decisions(model, tok, fresh_records(460, seed=59) + fresh_records(40, seed=60, monsters=3), module_every=25)


def test_uncached_steps_make_the_same_decisions():
    model, tok = untrained(seed=7)
    net = numpy_of(model)
    for record in fresh_records(20, seed=58):
        ids = tok.encode(record["prompt"])
        cached = decode_one(net, tok, ids, grammar_for(tok, record["prompt"]))
        uncached = decode_one(Uncached(net), tok, ids, grammar_for(tok, record["prompt"]))
        assert uncached.ids == cached.ids and (uncached.calls, uncached.fed) == (cached.calls, cached.fed)
        assert uncached.sure == pytest.approx(cached.sure, abs=1e-6)  # the same margin, to float rounding


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_batch_step_gives_each_rows_own_logits(runtime):
    model, tok = untrained(seed=3)
    net = RUNTIMES[runtime](model)
    prompts = [tok.encode(r["prompt"])[:40] for r in fresh_records(3, seed=55)]
    alone, structures = [], [Structure(tok) for _ in prompts]
    for ids in prompts:
        cache, structure = net.cache(), Structure(tok)
        net.step(cache, [ids], [structure.of(ids)])
        alone.append(net.step(cache, [[tok.sep, tok.eos]], [structure.of([tok.sep, tok.eos])], every=True))
    cache = net.cache(len(prompts))
    net.step(cache, prompts, [s.of(ids) for s, ids in zip(structures, prompts, strict=True)])
    together = net.step(cache, [[tok.sep, tok.eos]] * len(prompts), [s.of([tok.sep, tok.eos]) for s in structures],
                        every=True)
    np.testing.assert_allclose(together, np.concatenate(alone), atol=ATOL, rtol=0)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_a_sequence_longer_than_the_model_is_refused(runtime):
    model, _ = untrained(seed=0, max_len=16)
    net = RUNTIMES[runtime](model)
    cache = net.cache()
    net.step(cache, [[4] * 15], [[(0, 0, 0, 0)] * 15])
    with pytest.raises(ValueError, match="exceeds"):
        net.step(cache, [[4] * 2], [[(0, 0, 0, 0)] * 2])
    net.step(cache, [[4]], [[(0, 0, 0, 0)]])  # the 16th fits
    with pytest.raises(ValueError, match="exceeds"):
        net.step(cache, [[4]], [[(0, 0, 0, 0)]])


@pytest.mark.parametrize("place", [(N_SEGMENTS, 0, 0, 0), (0, N_ROLES, 0, 0), (0, 0, 0, N_ARGS), (0, 0, 99, 0), (0, -1, 0, 0)])
@pytest.mark.parametrize("n", [1, 3])
def test_a_place_outside_the_numpy_tables_is_refused_not_read_from_another(place, n):
    model, tok = untrained(seed=0)
    assert (model.config.n_segments, model.config.n_roles, model.config.n_args) == (N_SEGMENTS, N_ROLES, N_ARGS)
    place = (*place[:2], place[2] if place[2] < 99 else len(tok), place[3])
    net = numpy_of(model)
    with pytest.raises(ValueError, match="outside the model's tables"):
        net.step(net.cache(), [[4] * n], [[(0, 0, 0, 0)] * (n - 1) + [place]])
