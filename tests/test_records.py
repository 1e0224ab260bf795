"""Battle saves: versioned JSON, atomic, readable as training data, clear errors."""

from __future__ import annotations

import json

import pytest

from game.combat.encounter import Action
from game.combat.resolver import EngineResolver
from game.combat.template import VERSION, parse_prompt, parse_target
from game.records.battle import TURN_KEYS, load_battle, save_battle
from game.records.files import SaveError
from game.world import roster
from game.world.battle import Battle, battle_record


def finished_battle() -> Battle:
    b = Battle(roster.encounter(roster.hero_at(2), ["rat", "bat"]), model=EngineResolver(), seed=3)
    while not b.over:
        b.play(Action("strike", b.living_monsters()[0].label)) if b.hero_to_act else b.play_monster()
    return b


def test_save_has_the_training_keys(tmp_path):
    b = finished_battle()
    path = save_battle(battle_record(b, seed=42, weights={"name": "x", "sha256": "ab"}, depth=1), tmp_path)
    data = json.loads(path.read_text())
    assert data["kind"] == "pico-rogue battle" and data["version"] == 1
    assert data["seed"] == 42 and data["template"] == VERSION
    assert data["weights"] == {"name": "x", "sha256": "ab"}
    assert len(data["turns"]) == len(b.turns)
    for turn in data["turns"]:
        assert set(TURN_KEYS) <= set(turn)
        parse_prompt(turn["prompt"])
        parse_target(turn["engine"])
        assert turn["applied"] in ("engine", "model")
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


def test_names_never_collide(tmp_path):
    b = finished_battle()
    paths = {save_battle(battle_record(b, seed=1, weights=None), tmp_path) for _ in range(3)}
    assert len(paths) == 3


def test_load_round_trips(tmp_path):
    path = save_battle(battle_record(finished_battle(), seed=1, weights=None), tmp_path)
    save = load_battle(path)
    assert save.turns and save.weights is None


@pytest.mark.parametrize("text, says", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a battle save"),
    ('{"kind": "something"}', "not a battle save"),
    ('{"kind": "pico-rogue battle", "version": 99, "turns": []}', "version 99"),
    ('{"kind": "pico-rogue battle", "version": true, "turns": []}', "version True"),
    ('{"kind": "pico-rogue battle", "version": 1, "template": "v1", "result": "won"}', "'turns': field required"),
    ('{"kind": "pico-rogue battle", "version": 1, "template": "v1", "result": "won", "turns": [{"prompt": "x"}]}',
     "turn 1, 'engine': field required"),
])
def test_bad_files_give_one_clear_error(tmp_path, text, says):
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(SaveError, match=says) as err:
        load_battle(path)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(SaveError, match="no such file"):
        load_battle(tmp_path / "nope.json")


def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    from game.records import atomic

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError):
        atomic.write_json(tmp_path / "x.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []


def test_the_saves_folder_is_the_players_data_folder_not_the_packages(monkeypatch, tmp_path):
    from game.records.files import folder_or_saves, saves_home

    monkeypatch.delenv("PICO_ROGUE_SAVES", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert saves_home() == tmp_path / "data" / "pico-rogue" / "saves"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert saves_home() == tmp_path / "home" / ".local" / "share" / "pico-rogue" / "saves"
    monkeypatch.setenv("PICO_ROGUE_SAVES", str(tmp_path / "mine"))
    assert folder_or_saves(None) == tmp_path / "mine"
    assert folder_or_saves(tmp_path / "given") == tmp_path / "given"



def test_a_battle_saved_without_a_folder_lands_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("PICO_ROGUE_SAVES", str(tmp_path / "fresh" / "saves"))  # not there yet: made on first save
    path = save_battle(battle_record(finished_battle(), seed=42, weights=None, depth=1))
    assert path.parent == tmp_path / "fresh" / "saves" and json.loads(path.read_text())["seed"] == 42
