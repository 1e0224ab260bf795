"""The bundled model (assets/pico.safetensors), as llama2.c tests its tiny
committed model: its exact outputs on fixed prompts are a regression test
(token for token, against tests/golden/bundled.jsonl), it agrees with the
rules engine on fresh transitions, and it stays within its size budget."""

from __future__ import annotations

import json

import pytest
from golden.make_golden import GOLDEN, PROMPTS, output_ids

from game.combat.content import default
from game.combat.template import block, parse_prompt
from game.world.generate import transitions
from model.evaluation.evaluate import fresh, predict, score
from model.resolver import load_resolver
from model.weights import BUNDLED, config_path

pytestmark = [
    pytest.mark.skipif(not BUNDLED.exists(), reason="no bundled weights yet (assets/pico.safetensors): "
                                                   "train them with `pico-rogue train --preset bundled`"),
    pytest.mark.usefixtures("one_thread"),
]
MAX_BYTES = 8 * 10**6
# `eval` on 5,000 fresh transitions gives the bundled model 99.88-99.94 %;
# 300 are too few to tell that from 99.5 %, so the test asks for 99 %.
MIN_EXACT = 0.99


@pytest.fixture(scope="module")
def resolver():
    return load_resolver(BUNDLED, threads=1)


def test_outputs_on_fixed_prompts_equal_the_golden_ones_token_for_token(resolver):
    if not GOLDEN.exists():
        pytest.skip(f"no golden outputs at {GOLDEN}: run `.venv/bin/python tests/golden/make_golden.py`")
    golden = [json.loads(line) for line in GOLDEN.read_text().splitlines()]
    assert len(golden) == PROMPTS
    made_with = golden[0]["weights_sha256"]
    hint = ("" if made_with == resolver.weights_sha256 else
            f" (the golden file was made with weights {made_with[:12]}, these are {resolver.weights_sha256[:12]}: "
            "if the bundled model was retrained on purpose, rerun tests/golden/make_golden.py)")
    for n, line in enumerate(golden):
        ids = output_ids(resolver, line["prompt"])
        assert ids == line["ids"], f"prompt {n}: the output differs from the golden one{hint}"
        assert resolver.tok.decode(ids) == line["next"]


@pytest.fixture(scope="module")
def fidelity(resolver) -> dict:
    items = fresh(300, seed=777)
    return score(items, predict(resolver, [i.prompt for i in items]))


@pytest.mark.slow  # 300 transitions decoded: what the 99 % needs (seconds)
def test_agrees_with_the_rules_engine_on_fresh_transitions(fidelity):
    assert fidelity["valid"] == 1.0
    assert fidelity["exact_match"] >= MIN_EXACT, {k: v for k, v in fidelity["fields"].items() if v < 1}


def test_the_weights_file_is_at_most_8_mb():
    assert BUNDLED.stat().st_size <= MAX_BYTES


def test_the_config_records_how_the_model_was_made():
    meta = json.loads(config_path(BUNDLED).read_text())
    assert meta["template"] == "v4"  # it reads the game's v3 prompts with the rules written in (model/slots.py)
    assert meta["checked_on"]["digest"] == default().digest
    assert not meta.get("partial"), "the bundled weights are a checkpoint of an unfinished run"
    for key in ("config", "vocab", "recipe", "data_seed", "metrics"):
        assert meta.get(key) is not None, key


def test_the_guard_knows_the_ranges_the_model_was_trained_on():
    meta = json.loads(config_path(BUNDLED).read_text())
    # drawn rules: any power and any base damage the template holds, not one table's
    assert meta["ranges"]["status_power"] == [0, 9] and meta["ranges"]["base_damage"] == [-5, 9]


@pytest.mark.slow  # 200 transitions of a pack decoded
def test_it_follows_a_pack_it_was_never_trained_on():
    """The shipped frost pack (a new status, new abilities and monsters):
    answered, not refused, and right as often as the bundled content."""
    from game.combat.content import load
    from model import weights
    from model.draft import Drafter
    from model.evaluation.evaluate import Item, pack_entries, touches
    from model.resolver import ModelResolver, network

    frost = load(packs=[BUNDLED.parent / "packs" / "frost"])
    w = weights.read(BUNDLED)
    model = ModelResolver(w, network(w), frost, drafts=lambda r: Drafter(r.parsed, w.tok, r.binding.content))
    assert model.refusing is not None and "inside what it was trained on" in model.refusing
    new, changed = pack_entries(frost)
    items = [Item(r["prompt"], r["target"]) for r in transitions(200, 4242, frost)]
    assert sum(touches(parse_prompt(i.prompt, frost), frost, new, changed) == "new" for i in items) > 80
    outputs = predict(model, [i.prompt for i in items])
    assert None not in outputs
    right = sum(block(o) == block(i.target) for o, i in zip(outputs, items, strict=True))
    assert right >= 0.97 * len(items)
