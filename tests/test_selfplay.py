"""Self-play: scripted battles with no screen, saved as play saves them."""

from __future__ import annotations

import json

from cli import main
from game.combat.resolver import EngineResolver
from game.records.battle import load_battle
from game.world import selfplay
from game.world.model_side import ModelSide, model_side


def test_selfplay_writes_battles(tmp_path, capsys):
    assert main(["selfplay", "--battles", "3", "--seed", "4", "--saves", str(tmp_path), "--engine-only"]) == 0
    files = sorted(tmp_path.glob("*.json"))
    assert len(files) == 3
    for f in files:
        save = load_battle(f)
        assert save.data["source"] == "selfplay" and save.turns
    assert "3 battles" in capsys.readouterr().out


def test_selfplay_is_seeded(tmp_path):
    a = selfplay.run(2, 9, tmp_path / "a", ModelSide(None, "unavailable"))
    b = selfplay.run(2, 9, tmp_path / "b", ModelSide(None, "unavailable"))
    turns = [[t["prompt"] for t in json.loads(p.read_text())["turns"]] for p in a + b]
    assert turns[:2] == turns[2:]


def test_selfplay_with_a_model_counts_agreement(tmp_path):
    paths = selfplay.run(2, 1, tmp_path, model_side(EngineResolver()), trust=True)
    data = json.loads(paths[0].read_text())
    assert data["agreement"]["agreed"] == data["agreement"]["asked"] == len(data["turns"]) > 0
    assert data["weights"]["name"] == "engine"


def test_selfplay_rejects_bad_arguments(capsys):
    assert main(["selfplay", "--battles", "1", "--engine-only", "--trust-model"]) == 2
    assert "--trust-model" in capsys.readouterr().err
