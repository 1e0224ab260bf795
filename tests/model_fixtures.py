"""Fixtures and helpers for the model's tests; conftest.py re-exports the
fixtures, test files import the helpers with `from model_fixtures import ...`.

`tiny_model` is a real training run of the quick preset (40 steps, batch 8),
trained once per session: weak, but a genuine model file for the weights,
resolve, eval and bench tests. Everything here runs torch on one thread: on a
machine whose cores are already busy (training the bundled model, another
test run), two OpenMP threads per process are ten times slower than one.
torch is imported inside the fixtures so the game's tests never pay for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

TINY_STEPS = 40


@dataclass(frozen=True)
class Trained:
    path: Path  # the .safetensors file; its config is path.with_suffix(".json")
    metrics: dict  # what train() returned
    meta: dict  # the JSON config written beside the weights


def tiny_recipe(**changes):
    """The quick preset made cheaper still (for checkpoint and data tests)."""
    from model.training.recipe import PRESETS

    small = {"n_layer": 1, "n_head": 2, "d_model": 32, "d_ff": 64, "batch": 4, "warmup": 2, "eval_every": 2}
    return PRESETS["quick"].but(**{**small, **changes})


def untrained(seed: int = 0, **sizes):
    """A randomly initialised network over the game's vocabulary, in eval mode."""
    import torch

    from model.network import Config, PicoModel
    from model.tokenizer import Tokenizer

    tok = Tokenizer.for_content()
    torch.manual_seed(seed)
    return PicoModel(Config(len(tok), **{"n_layer": 2, "d_model": 64, "d_ff": 128, **sizes})).eval(), tok


def numpy_net(model):
    """The numpy runtime's step for a torch PicoModel (its weights copied)."""
    from model.pico_numpy import NumpyPico

    return NumpyPico({k: v.detach().numpy() for k, v in model.state_dict().items()}, model.config)


def fresh_records(n: int, seed: int, monsters: int | None = None) -> list[dict]:
    """`n` generated transitions, optionally only those with that many monsters."""
    from game.combat.template import parse_prompt
    from game.world.generate import transitions

    if monsters is None:
        return list(transitions(n, seed))
    out = []
    for r in transitions(50 * n, seed):
        if len(parse_prompt(r["prompt"]).encounter.monsters) == monsters:
            out.append(r)
            if len(out) == n:
                return out
    raise AssertionError(f"the generator made fewer than {n} transitions with {monsters} monsters")


@pytest.fixture
def one_thread():
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Trained:
    import torch

    from model.training.recipe import PRESETS
    from model.training.train import train

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        path = tmp_path_factory.mktemp("tiny") / "tiny.safetensors"
        recipe = PRESETS["quick"].but(steps=TINY_STEPS, batch=8, warmup=5, eval_every=10)
        metrics = train(recipe, path, quiet=True)
    finally:
        torch.set_num_threads(before)
    return Trained(path, metrics, json.loads(path.with_suffix(".json").read_text()))


@pytest.fixture
def few_range_samples(monkeypatch):
    """Every training run first samples RANGE_SAMPLE (20,000) transitions of
    its distribution for the guard's ranges: seconds per recipe. Tests of the
    command's plumbing (flags, data, checkpoints, stages) sample 500; their
    ranges are narrower, and none of them reads the ranges. The cache is
    emptied on both sides so no other test sees a small sample's ranges."""
    from model.training import train

    train._stream_ranges.cache_clear()
    monkeypatch.setattr(train, "RANGE_SAMPLE", 500)
    yield
    train._stream_ranges.cache_clear()


def as_read(tok, prompt: str, target: str | None = None):
    """(prompt, target, content) as a model with vocabulary `tok` reads them:
    a v4 model reads names as slots with the rules written in (model/slots.py),
    under the content renamed to match; a v3 model reads the texts as they are."""
    from game.combat.content import default
    from game.combat.template import parse_prompt, parse_target
    from model.slots import VERSION, Binding

    content = default()
    if VERSION not in tok.index:
        return prompt, target, content
    p = parse_prompt(prompt, content)
    b = Binding.of(p.encounter, p.action, content)
    bound = b.target(parse_target(target, content)) if target is not None else None
    return b.prompt(p.encounter, p.action, p.rolls), bound, b.content
