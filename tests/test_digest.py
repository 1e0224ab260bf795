"""The content digest (game/combat/content.py `digest`) and where it goes:
battle saves and run records name the packs they were played with and the
digest of their rules; replay says when the content in play differs (and
--rerun refuses); --data skips a save played under other content with its
own reason."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from cli import main
from game.combat import content as content_module
from game.combat.content import ASSETS, bundled, default, digest, load
from game.combat.encounter import Action
from game.records import finished
from game.records.battle import BattleRecord, PlayedWith, content_record, load_battle, save_battle
from game.records.fields import written
from game.records.run import check_run
from game.world import finish, roster
from game.world.battle import Battle, battle_record
from game.world.run import Run
from model.training.examples import DISAGREES, other_content, read_examples

FROST = ASSETS / "packs" / "frost"
BUNDLED_DIGEST = "008f860de1f651ab"  # assets/*.yaml's rules; change it only with a change of the rules


def _pack(tmp_path: Path, file: str, entry: str, change: dict, name: str = "pack") -> Path:
    """A pack replacing `entry` of `file` with the bundled entry, `change` laid over it."""
    raw = yaml.safe_load((ASSETS / file).read_text())
    folder = tmp_path / name
    folder.mkdir()
    (folder / file).write_text(yaml.safe_dump({entry: {**raw[entry], **change}}))
    return folder


# --- the digest --------------------------------------------------------------------------


def test_the_bundled_digest_is_a_fixed_string():
    assert bundled().digest == digest(bundled()) == BUNDLED_DIGEST
    assert load(ASSETS).digest == BUNDLED_DIGEST  # loaded again: the same


def test_the_digest_is_the_same_in_another_process():
    code = "from game.combat.content import bundled; print(bundled().digest)"
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONHASHSEED": seed}, cwd=Path(__file__).parents[1])
        assert done.stdout.strip() == BUNDLED_DIGEST, done.stderr


@pytest.mark.parametrize("file,entry,change", [
    ("abilities.yaml", "ignite", {"damage": 4}),
    ("abilities.yaml", "strike", {"uses_atk": False}),
    ("statuses.yaml", "poison", {"tick": "none"}),
    ("monsters.yaml", "rat", {"hp": 7}),
    ("monsters.yaml", "rat", {"style": "caster"}),
    ("monsters.yaml", "rat", {"depth": 2}),
])
def test_a_pack_that_changes_a_rule_changes_the_digest(tmp_path, file, entry, change):
    raw = yaml.safe_load((ASSETS / file).read_text())[entry]
    assert any(raw.get(k) != v for k, v in change.items()), "the change must change something"
    assert load(ASSETS, [_pack(tmp_path, file, entry, change)]).digest != BUNDLED_DIGEST


def test_the_hero_and_the_statuses_order_are_rules(tmp_path):
    hero = tmp_path / "hero"
    hero.mkdir()
    raw = yaml.safe_load((ASSETS / "hero.yaml").read_text())
    (hero / "hero.yaml").write_text(yaml.safe_dump({**raw, "atk": raw["atk"] + 1}))
    assert load(ASSETS, [hero]).digest != BUNDLED_DIGEST
    statuses = yaml.safe_load((ASSETS / "statuses.yaml").read_text())
    first, second, *rest = statuses
    swapped = tmp_path / "swapped"
    swapped.mkdir()
    (swapped / "statuses.yaml").write_text(yaml.safe_dump({second: statuses[second], first: statuses[first]},
                                                          sort_keys=False))
    # a pack's entry with a known name keeps its place: the order the same, the digest too
    assert load(ASSETS, [swapped]).status_order == bundled().status_order
    assert load(ASSETS, [swapped]).digest == BUNDLED_DIGEST
    reordered = content_module.Content(dict(reversed(list(bundled().statuses.items()))), bundled().abilities,
                                       bundled().monsters, bundled().items, bundled().hero, bundled().descent)
    assert digest(reordered) != BUNDLED_DIGEST


@pytest.mark.parametrize("file,entry,change", [
    ("abilities.yaml", "ignite", {"describe": "a different description"}),
    ("abilities.yaml", "ignite", {"verbs": ["set fire", "sets fire"]}),
    ("statuses.yaml", "poison", {"describe": "it stings", "adjective": "stung"}),
    ("monsters.yaml", "rat", {"glyph": "R"}),
])
def test_a_pack_that_only_changes_words_keeps_the_digest(tmp_path, file, entry, change):
    changed = load(ASSETS, [_pack(tmp_path, file, entry, change)])
    assert changed != bundled() and changed.digest == BUNDLED_DIGEST


# --- the records -------------------------------------------------------------------------


def _battle(content, kinds=("yeti",), depth=3) -> Battle:
    b = Battle(roster.encounter(roster.hero_at(3, content), list(kinds), content, depth), seed=3, content=content)
    for _ in range(300):
        if b.over:
            return b
        if b.hero_to_act:
            b.play(Action("strike", b.living_monsters()[0].label))
        else:
            b.play_monster()
    raise AssertionError("battle did not end")


def test_written_leaves_a_later_field_out_only_while_it_holds_its_default():
    frost = load(ASSETS, [FROST])
    assert content_record(bundled()) is None
    assert content_record(frost) == {"packs": [str(FROST)], "digest": frost.digest}
    b = _battle(bundled(), ("rat",), 1)
    values = {k: v for k, v in battle_record(b, seed=1, weights=None).items()}
    with pytest.raises(TypeError, match="missing \\['content'\\]"):  # the writer must still pass it
        written(BattleRecord, **values)


def test_a_battle_save_names_its_packs_and_digest(tmp_path):
    frost = load(ASSETS, [FROST])
    data = battle_record(_battle(frost), seed=1, weights=None, depth=3)
    assert data["content"] == {"packs": [str(FROST)], "digest": frost.digest}
    assert list(data)[-2:] == ["content", "turns"]
    save = load_battle(save_battle(data, tmp_path))
    assert save.played_with == PlayedWith((str(FROST),), frost.digest)
    plain = battle_record(_battle(bundled(), ("rat",), 1), seed=1, weights=None)
    assert "content" not in plain  # the bundled content: the keys every save has had
    assert PlayedWith.of(plain) == PlayedWith((), BUNDLED_DIGEST)


def test_a_bad_content_field_is_refused(tmp_path):
    data = battle_record(_battle(load(ASSETS, [FROST])), seed=1, weights=None)
    path = save_battle({**data, "content": {"packs": [str(FROST)], "digest": "not hex"}}, tmp_path)
    with pytest.raises(Exception, match="content.digest"):
        load_battle(path)


def test_run_records_name_their_packs_and_digest(tmp_path):
    frost = load(ASSETS, [FROST])
    run = Run.new(4, content=frost)
    suspended = json.loads(json.dumps(run.to_dict()))
    assert suspended["content"] == {"packs": [str(FROST)], "digest": frost.digest}
    check_run(suspended, frost)
    path = finish.write(run, tmp_path)
    _, rec = finished.load(path)
    assert rec["content"] == {"packs": [str(FROST)], "digest": frost.digest}
    assert "content" not in Run.new(4).to_dict() and "content" not in finish.record(Run.new(4), weights=None)


# --- replay ------------------------------------------------------------------------------


def _frost_save(tmp_path) -> Path:
    return save_battle(battle_record(_battle(load(ASSETS, [FROST])), seed=1, weights=None), tmp_path)


def test_replay_says_when_the_content_in_play_differs(tmp_path, capsys):
    path = _frost_save(tmp_path)
    assert main(["replay", str(path), "--plain", "--width", "120"]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if "played with" in line]
    assert len(lines) == 1, captured.err
    assert f"pack {FROST} (content {load(ASSETS, [FROST]).digest})" in lines[0]
    assert f"the bundled one (content {BUNDLED_DIGEST})" in lines[0] and f"--pack {FROST}" in lines[0]
    assert "played with" in captured.out  # and in the banner


def test_replay_of_a_save_of_the_content_in_play_says_nothing(tmp_path, capsys):
    path = save_battle(battle_record(_battle(bundled(), ("rat",), 1), seed=1, weights=None), tmp_path)
    assert main(["replay", str(path), "--plain"]) == 0
    assert "played with" not in capsys.readouterr().err


def test_rerun_refuses_other_content_with_exit_2(tmp_path, capsys):
    path = _frost_save(tmp_path)
    assert main(["replay", str(path), "--rerun", "--plain", "--weights", str(tmp_path / "absent.safetensors")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "this battle was played with" in err and f"--pack {FROST}" in err
    bundled_save = save_battle(battle_record(_battle(bundled(), ("rat",), 1), seed=1, weights=None), tmp_path)
    assert main(["replay", str(bundled_save), "--rerun", "--pack", str(FROST)]) == 2
    err = capsys.readouterr().err
    assert "played with the bundled content" in err and "without --pack" in err
    assert default() is bundled()


def test_rerun_of_a_pack_changed_since_says_so(tmp_path):
    frost = load(ASSETS, [FROST])
    played = PlayedWith((str(FROST),), "0123456789abcdef")
    assert "its packs have changed since" in played.mismatch(frost)
    assert PlayedWith((str(FROST),), frost.digest).mismatch(frost) is None


def test_a_run_record_of_other_content_is_noted(tmp_path, capsys):
    path = finish.write(Run.new(4, content=load(ASSETS, [FROST])), tmp_path)
    assert main(["replay", str(path), "--plain"]) == 0
    assert "this run was played with pack" in capsys.readouterr().err


# --- --data ------------------------------------------------------------------------------


def test_data_skips_a_save_of_other_content_with_its_own_reason(tmp_path):
    frost_save = load_battle(_frost_save(tmp_path))
    ours = load_battle(save_battle(battle_record(_battle(bundled(), ("rat",), 1), seed=1, weights=None), tmp_path))
    vetted = read_examples([tmp_path])
    reason = other_content((str(FROST),))
    assert "played under other content (pack " in reason
    assert vetted.skipped[reason] == sum(1 for t in frost_save.turns if t["engine"])
    assert not vetted.skipped[DISAGREES]
    assert len(vetted.kept) == sum(1 for t in ours.turns if t["engine"])
    assert reason in vetted.summary() and frost_save.path.name in vetted.first[reason]


def test_data_under_a_pack_skips_the_bundled_saves(tmp_path):
    ours = load_battle(save_battle(battle_record(_battle(bundled(), ("rat",), 1), seed=1, weights=None), tmp_path))
    _frost_save(tmp_path)
    content_module.use(load(ASSETS, [FROST]))
    try:
        vetted = read_examples([tmp_path])
    finally:
        content_module.use(None)
    assert vetted.skipped[other_content(())] == sum(1 for t in ours.turns if t["engine"])
    assert "the bundled content" in other_content(())
    assert vetted.kept and all(e.played_with.packs == (str(FROST),) for e in vetted.kept)
