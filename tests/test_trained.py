"""The model and content it was not trained on: a pack's new status, monster
or ability, or a balance patch's new numbers, is refused by the guard naming
the entry, never an internal error and never answered silently wrong; every
other turn is answered."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from cli import main
from game.combat import content
from game.combat.content import ASSETS, bundled, load
from game.combat.template import block
from game.world.generate import transitions
from model import weights
from model.errors import ModelError
from model.resolver import load_resolver
from model.trained import ASSUMED, RECORDED, Trained, record, summary

FROST = ASSETS / "packs" / "frost"
# the balance patch: ignite's base damage 2 -> 4, poison strike's poison power 2 -> 3
BALANCE = {"abilities.yaml": (
    "poison_strike:\n  target: enemy\n  damage: -1\n  uses_atk: true\n  cost: 2\n  cooldown: 3\n"
    "  applies: {status: poison, turns: 3, power: 3}\n"
    "ignite:\n  target: enemy\n  damage: 4\n  pierce: true\n  cost: 3\n  cooldown: 2\n"
    "  applies: {status: burn, turns: 2, power: 3}\n")}


@pytest.fixture(autouse=True)
def bundled_after():
    yield
    content.use(None)


@pytest.fixture
def balance(tmp_path: Path) -> Path:
    folder = tmp_path / "balance"
    folder.mkdir()
    for file, text in BALANCE.items():
        (folder / file).write_text(text)
    return folder


def test_the_bundled_weights_record_the_bundled_content():
    meta = weights.read().meta
    learned = Trained.of(meta)
    assert learned.source == RECORDED and learned.record == record(bundled())
    assert learned.changes(bundled()) == {}
    # weights without a record are taken to know the bundled assets, and say so
    old = Trained.of({k: v for k, v in meta.items() if k != "content"})
    assert old.source == ASSUMED and old.record == learned.record


def test_a_malformed_record_is_a_model_error():
    with pytest.raises(ModelError, match="content: expected the record"):
        Trained.of({"content": {"abilities": []}})


def test_the_changes_name_each_entry(balance):
    changes = Trained.of(weights.read().meta).changes(load(ASSETS, [balance]))
    assert changes[("ability", "ignite")] == "damage 4, trained on 2"
    assert "power 3" in changes[("ability", "poison_strike")]
    assert ("applied", "poison") in changes and len(changes) == 3
    frost = Trained.of(weights.read().meta).changes(load(ASSETS, [FROST]))
    assert frost[("status", "chill")] == "a new status" and frost[("kind", "yeti")] == "a new monster"
    assert "chill" in summary(frost) and summary({}) is None


def _answers(pack: Path, n: int, seed: int) -> list[tuple[dict, object]]:
    content.use(load(ASSETS, [pack]))
    resolver = load_resolver()
    return [(r, resolver.resolve(r["prompt"])) for r in transitions(n, seed)]


def _no_silent_mistakes(answers) -> tuple[int, int]:
    refused = right = 0
    for want, got in answers:
        assert got.error is None or "internal error" not in got.error
        if got.refused:
            refused += 1
        else:
            assert block(got.text) == block(want["target"]), (want["prompt"], got.text)
            right += 1
    return refused, right


def test_a_balance_patch_is_refused_where_it_matters_and_answered_elsewhere(balance):
    answers = _answers(balance, 40, 5)
    refused, right = _no_silent_mistakes(answers)
    assert refused and right
    reasons = " ".join(got.error for _, got in answers if got.refused)
    assert "ability 'ignite' is not the content the model was trained on (damage 4, trained on 2)" in reasons \
        or "status 'poison'" in reasons


def test_a_new_status_is_refused_and_never_an_internal_error():
    answers = _answers(FROST, 40, 11)
    refused, right = _no_silent_mistakes(answers)
    assert refused and right
    assert all(got.refused for want, got in answers if " chill " in want["prompt"])
    assert any("status 'chill' is not the content the model was trained on" in (got.error or "") for _, got in answers)


def test_resolve_says_once_what_the_model_refuses(balance, capsys, monkeypatch):
    records = list(transitions(6, 2, load(ASSETS, [balance])))
    feed = "".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in records).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(feed)))
    assert main(["resolve", "--model", "--pack", str(balance)]) == 0
    out = capsys.readouterr()
    assert out.err.count("\n") == 1 and "ignite (damage 4, trained on 2)" in out.err
    assert len(out.out.splitlines()) == 6 and "internal error" not in out.out


@pytest.mark.slow
def test_eval_counts_refusals_apart(balance, capsys):
    assert main(["eval", "--n", "60", "--battles", "0", "--runs", "0", "--edges", "0", "--json",
                 "--pack", str(balance)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["refused"] > 0 and result["silently_wrong"] == 0.0
    assert result["exact_of_answered"] == 1.0 and result["content"]["packs"] == [str(balance)]


def test_the_game_is_told_what_the_model_refuses():
    from game.world.model_side import model_side

    class Refusing:
        name, weights_name, weights_sha256 = "pico", "pico", "0" * 64
        refusing = "the content differs from the model's: it refuses turns that meet chill (a new status)"

    assert model_side(Refusing()).note == Refusing.refusing


@pytest.mark.slow
def test_training_records_the_content_it_trained_on(tiny_model):
    assert tiny_model.meta["content"] == record(bundled())
