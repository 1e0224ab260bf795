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


def test_runs_total_the_curve_per_floor():
    results = selfplay.runs(3, 1, ModelSide(None, "unavailable"), policy="reckless")
    floors = selfplay.totals(results)["per_floor"]
    assert [f["floor"] for f in floors] == list(range(1, max(r.depth for r in results) + 1))
    assert sum(f["battles"] for f in floors) == sum(r.battles for r in results)
    assert sum(f["deaths"] for f in floors) == sum(r.cause is not None and not r.won for r in results)
    assert floors[0]["reached"] == 3 and all(a["reached"] >= b["reached"] for a, b in zip(floors, floors[1:], strict=False))
    for r in results:  # a battle's cost is what the hero carried in less what it carried out
        assert len(r.hp_lost) == len(r.hero_turns) == len(r.fights)
    first = floors[0]
    assert first["battles"] and 1 <= first["monsters"] <= 3 and 0 < first["hero_turns"] <= first["turns"]
