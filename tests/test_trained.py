"""The model and content it was not trained on: a pack's new status, monster
or ability, or a balance patch's new numbers. The bundled model reads the
rules from its prompt (template v4) and answers them; a v3 model (one that
recalls one table per name) has them refused by the guard naming the entry.
Never an internal error, never an answer from the wrong table."""

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


@pytest.mark.slow  # the tiny v3 model is trained once a session
def test_a_v3_model_records_the_bundled_content(tiny_model):
    meta = tiny_model.meta
    learned = Trained.of(meta)
    assert learned.source == RECORDED and learned.record == record(bundled())
    assert learned.changes(bundled()) == {}
    # weights without a record are taken to know the bundled assets, and say so
    old = Trained.of({k: v for k, v in meta.items() if k != "content"})
    assert old.source == ASSUMED and old.record == learned.record


def test_the_bundled_model_reads_rules_so_it_records_no_table():
    meta = weights.read().meta
    assert meta["template"] == "v4" and "content" not in meta


def test_a_malformed_record_is_a_model_error():
    with pytest.raises(ModelError, match="content: expected the record"):
        Trained.of({"content": {"abilities": []}})


@pytest.mark.slow
def test_the_changes_name_each_entry(balance, tiny_model):
    changes = Trained.of(tiny_model.meta).changes(load(ASSETS, [balance]))
    assert changes[("ability", "ignite")] == "damage 4, trained on 2"
    assert "power 3" in changes[("ability", "poison_strike")]
    assert ("applied", "poison") in changes and len(changes) == 3
    frost = Trained.of(tiny_model.meta).changes(load(ASSETS, [FROST]))
    assert frost[("status", "chill")] == "a new status" and frost[("kind", "yeti")] == "a new monster"
    assert "chill" in summary(frost) and summary({}) is None


def _answers(pack: Path, n: int, seed: int, path: Path | None = None) -> list[tuple[dict, object]]:
    content.use(load(ASSETS, [pack]))
    resolver = load_resolver(path)
    return [(r, resolver.resolve(r["prompt"])) for r in transitions(n, seed)]


def _right(answers) -> tuple[int, int]:
    """(refused, right), after checking no answer is an internal error."""
    refused = right = 0
    for want, got in answers:
        assert got.error is None or "internal error" not in got.error
        refused += got.refused
        right += not got.refused and block(got.text) == block(want["target"])
    return refused, right


def test_a_balance_patch_is_followed_not_refused(balance):
    refused, right = _right(_answers(balance, 40, 5))
    assert refused == 0 and right >= 38  # eval on 5,000: 99.96 % (docs/model.md)


def test_a_new_status_is_answered_and_never_an_internal_error():
    answers = _answers(FROST, 40, 11)
    refused, right = _right(answers)
    assert refused == 0 and right >= 38  # eval on 5,000: 99.80 %
    assert any(" chill " in want["prompt"] for want, _ in answers)


@pytest.mark.slow
def test_a_v3_model_refuses_a_new_status_naming_it(tiny_model):
    answers = _answers(FROST, 40, 11, tiny_model.path)
    refused, _ = _right(answers)
    assert refused and all(got.refused for want, got in answers if " chill " in want["prompt"])
    assert any("status 'chill' is not the content the model was trained on" in (got.error or "") for _, got in answers)


def test_resolve_says_once_that_the_content_differs_and_is_read(balance, capsys, monkeypatch):
    records = list(transitions(6, 2, load(ASSETS, [balance])))
    feed = "".join(json.dumps({"prompt": r["prompt"]}) + "\n" for r in records).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(feed)))
    assert main(["resolve", "--model", "--pack", str(balance)]) == 0
    out = capsys.readouterr()
    assert out.err.count("\n") == 1 and "not the one the model was checked on" in out.err
    assert "inside what it was trained on" in out.err
    assert len(out.out.splitlines()) == 6 and "internal error" not in out.out and '"error"' not in out.out


@pytest.mark.slow
def test_eval_counts_a_packs_turns_apart(balance, capsys):
    assert main(["eval", "--n", "60", "--battles", "0", "--runs", "0", "--edges", "0", "--json",
                 "--pack", str(balance)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["refused"] == 0 and result["exact_match"] >= 0.95
    assert result["by"]["content"]["changed"]["n"] > 0 and result["content"]["packs"] == [str(balance)]


def test_the_game_is_told_what_the_model_refuses():
    from game.world.model_side import model_side

    class Refusing:
        name, weights_name, weights_sha256 = "pico", "pico", "0" * 64
        refusing = "the content differs from the model's: it refuses turns that meet chill (a new status)"

    assert model_side(Refusing()).note == Refusing.refusing


@pytest.mark.slow
def test_training_records_the_content_it_trained_on(tiny_model):
    assert tiny_model.meta["content"] == record(bundled())
