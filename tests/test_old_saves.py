"""Files the game wrote before the records were declared once (tests/old_saves,
written by that code: a battle save, a suspended run mid-battle, a version-1
run, a finished run's record and morgue file, the high-score table, JSONL
examples) still load, and what the game writes now has the same keys in the
same order: players' saves and scripts' readers go on working."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from game.records import finished, scores
from game.records.battle import load_battle
from game.records.examples import load_examples
from game.records.run import check_run, find_run
from game.world import fight, finish
from game.world.battle import Battle, battle_record
from game.world.generate import transitions
from game.world.run import Run

OLD = Path(__file__).parent / "old_saves"


def keys(value, at: str = "") -> list[str]:
    """Every key path of a JSON value, in order of first appearance."""
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            out += [f"{at}.{k}", *keys(v, f"{at}.{k}")]
    elif isinstance(value, list):
        for v in value:
            out += keys(v, f"{at}[]")
    return list(dict.fromkeys(out))


def plain(value):
    return json.loads(json.dumps(value))


def test_an_old_battle_save_loads_and_a_new_one_has_its_keys():
    old = load_battle(OLD / "battle.json")
    assert old.turns and old.data["result"] == "won"
    battle = Battle(fight.encounter(Run.new(3).hero(), ["rat"], 1), seed=1)
    while not battle.over:
        battle.play(next(o.action for o in battle.options() if o.ready) if battle.hero_to_act else None)
    new = plain(battle_record(battle, seed=1, weights=None, depth=1, source="selfplay"))
    assert keys(new) == keys(old.data)


def as_version_2(run: dict) -> dict:
    """A version-3 run without what version 3 added: the hero's statuses and
    cooldowns, what fled monsters kept, a fled battle's parting blow."""
    old = {k: v for k, v in run.items() if k not in ("statuses", "cooldowns", "hero_class")} | {"version": 2}
    assert run["hero_class"] == "knight"  # a run from before classes plays the first, hero.yaml's
    assert run["statuses"] == [] and run["cooldowns"] == []
    old["floor"] = run["floor"] | {"monsters": [m[:7] for m in run["floor"]["monsters"]]}
    assert all(m[7] is None for m in run["floor"]["monsters"])
    if run["battle"]:
        assert run["battle"]["parting"] is None
        old["battle"] = {k: v for k, v in run["battle"].items() if k != "parting"}
    return old


@pytest.mark.parametrize("name", ["run.json", "run-v1.json"])
def test_old_suspended_runs_continue(tmp_path, name):
    data = json.loads((OLD / name).read_text())
    check_run(data)
    shutil.copy(OLD / name, tmp_path / "run.json")
    found = find_run(tmp_path)
    assert found.data == data and found.damaged is None
    run = Run.from_dict(data)
    assert run.battles == data["battles"]
    again = plain(run.to_dict())
    assert again["version"] == 3
    if data["version"] == 2:
        assert as_version_2(again) == data  # read and written back as it was, but for what version 3 adds
    else:
        assert again["deepest"] == data["depth"] and again["fights"] == []
    assert set(keys(data)) <= set(keys(again))


def test_the_run_under_way_keeps_its_battle_and_its_mistakes():
    run = Run.from_dict(json.loads((OLD / "run.json").read_text()))
    assert run.battle is not None and run.battles == len(run.fights) + 1
    assert run.mistakes == run.tally.changed + run.battle.tally.changed


def test_an_old_finished_record_loads_by_either_name_and_a_new_one_has_its_keys(tmp_path):
    path, rec = finished.load(OLD / "run-s242948-001.txt")
    assert path == OLD / "run-s242948-001.json" and rec["battles"]
    assert finished.names_a_run(OLD / "run-s242948-001.json") and not finished.names_a_run(OLD / "battle.json")
    run = Run.from_dict(json.loads((OLD / "run.json").read_text()))
    run.end_battle(None)
    written = finish.write(run, tmp_path, weights=None)  # as the old one: played without a model
    _, new = finished.load(written)
    # later keys (the model's margin and the trust bet, both with defaults) and nothing else
    assert set(keys(new)) - set(keys(rec)) <= {".battles[].close", ".battles[].stakes", ".hero_class"}
    assert set(keys(rec)) <= set(keys(new))
    table = json.loads((OLD / "scores.json").read_text())
    assert keys(scores.scores(tmp_path)) == keys(table["runs"][:1])


def test_an_old_score_table_is_read_and_entered_into(tmp_path):
    shutil.copy(OLD / "scores.json", tmp_path / "scores.json")
    old = scores.scores(tmp_path)
    assert [e["seed"] for e in old] == [844442, 242948]
    run = Run.from_dict(json.loads((OLD / "run-v1.json").read_text()))
    finish.write(run, tmp_path)
    assert len(scores.scores(tmp_path)) == 3


def test_old_examples_load_and_new_ones_have_their_keys():
    found = load_examples([OLD / "examples.jsonl"])
    assert len(found.kept) == 3 and not found.skipped
    old = json.loads((OLD / "examples.jsonl").read_text().splitlines()[0])
    new = next(transitions(1, random.Random(1).randrange(100)))
    assert list(new) == list(old) and new["version"] == old["version"]
