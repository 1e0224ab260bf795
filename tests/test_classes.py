"""Hero classes: content that lays a hero over hero.yaml, a run that plays
one (and keeps it when suspended), the screen that asks, and the scripted
hero that plays any of them."""

from __future__ import annotations

import json
import shutil

import pytest
from pilot import burst, make_app, settle

from game.combat.content import ASSETS, ContentError, bundled, load
from game.combat.rules import legal_actions
from game.records.run import find_run
from game.ui.screens.classes import ClassScreen
from game.ui.screens.dungeon import DungeonScreen
from game.world import autoplay, roster
from game.world.run import Run, suspend


def test_the_bundled_classes_and_what_each_lays_over_the_hero():
    c = bundled()
    assert list(c.classes) == ["knight", "warden", "pyromancer"]
    assert c.hero is c.classes["knight"] and c.hero.abilities == tuple(load(ASSETS).hero.abilities)
    warden = c.playing("warden")
    assert warden.hero.name == "warden" and "bash" in warden.hero.abilities and "ignite" not in warden.hero.abilities
    assert warden.hero.xp_per_level == c.hero.xp_per_level  # a field the class does not give is hero.yaml's
    # whichever class is in play, the rules (and the digest saves carry) are the same
    assert warden.digest == c.digest == c.playing("pyromancer").digest


def test_a_class_changes_the_action_set_in_battle():
    warden = bundled().playing("warden")
    hero = roster.hero_at(1, warden)
    assert (hero.max_hp, hero.defence) == (warden.hero.hp, warden.hero.defence) != (bundled().hero.hp, bundled().hero.defence)
    assert dict(hero.cooldowns).keys() == {"bash", "guard", "regenerate"}
    enc = roster.encounter(hero, ["rat"], warden)
    assert {a.ability for a in legal_actions(enc, warden)} == {"strike", "bash", "guard", "regenerate",
                                                               "quaff_heal", "quaff_regen"}


def test_a_broken_class_is_refused_with_its_file_and_entry(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "classes.yaml").write_text("monk:\n  abilities: [guard, heal]\n")
    with pytest.raises(ContentError, match="classes.yaml: entry 'monk': a class needs at least one attack"):
        load(ASSETS, [pack])
    (pack / "classes.yaml").write_text("monk:\n  abilites: [strike]\n")
    with pytest.raises(ContentError, match="unknown field 'abilites' \\(did you mean 'abilities'\\?\\)"):
        load(ASSETS, [pack])
    (pack / "classes.yaml").write_text("monk:\n  abilities: [strike, kick]\n")
    with pytest.raises(ContentError, match="unknown ability 'kick'"):
        load(ASSETS, [pack])


def test_a_pack_adds_a_class_and_may_replace_one(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "classes.yaml").write_text("monk:\n  describe: fists\n  abilities: [strike, bash, regenerate]\n"
                                       "warden:\n  hp: 40\n")
    c = load(ASSETS, [pack])
    assert list(c.classes) == ["knight", "warden", "pyromancer", "monk"]
    assert c.classes["monk"].hp == c.classes["knight"].hp and c.classes["monk"].describe == "fists"
    assert c.classes["warden"].hp == 40 and c.classes["warden"].abilities == c.classes["knight"].abilities
    assert c.digest != bundled().digest  # a new class is new rules for the hero


def test_the_run_keeps_its_class_when_suspended_and_continued(tmp_path):
    run = Run.new(7, hero_class="pyromancer")
    assert run.hero_class == "pyromancer" and "as a pyromancer" in run.log[0]
    assert run.hero_template().max_mp == bundled().classes["pyromancer"].mp > bundled().hero.mp
    suspend(run, tmp_path)
    data = json.loads((tmp_path / "run.json").read_text())
    assert data["hero_class"] == "pyromancer"
    again = Run.from_dict(find_run(tmp_path).data)
    assert again.hero_class == "pyromancer" and again.hero_template() == run.hero_template()
    data["hero_class"] = "bard"
    from game.records.files import RunError
    with pytest.raises(RunError, match="a class this content does not have"):
        Run.from_dict(data)
    (tmp_path / "run.json").write_text(json.dumps(data))
    found = find_run(tmp_path)  # refused where every damaged run is: kept aside, never lost
    assert found.data is None and "the hero is a 'bard'" in found.damaged and found.kept.exists()
    with pytest.raises(ValueError, match="unknown class 'bard'"):
        Run.new(7, hero_class="bard")


@pytest.mark.parametrize("name", ["warden", "pyromancer"])
def test_the_careful_hero_plays_every_class_to_the_end(name):
    result, run = autoplay.play_run(autoplay.seeds(11, 1)[0], "careful", hero_class=name)
    assert run.hero_class == name and (result.won or result.cause) and not result.stalled
    assert result.battles > 0 and run.fights


async def test_a_new_run_asks_for_the_class_and_plays_it(tmp_path):
    app = make_app(tmp_path, hero_class=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ClassScreen) and app.game is None
        await pilot.press("down", "down", "up", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DungeonScreen) and app.game.hero_class == "warden"


async def test_a_burst_of_digits_chooses_once(tmp_path):
    app = make_app(tmp_path, hero_class=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "3", "1", "2", "3", "l", "l")
        assert isinstance(app.screen, DungeonScreen) and app.game.hero_class == "pyromancer"


async def test_q_on_the_class_screen_quits_and_keeps_nothing(tmp_path):
    app = make_app(tmp_path, hero_class=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and not (tmp_path / "run.json").exists()


def test_play_and_selfplay_refuse_an_unknown_class(capsys, tmp_path):
    from cli import main

    assert main(["selfplay", "--runs", "1", "--engine-only", "--class", "bard"]) == 2
    assert "--class bard: no such class (one of knight, warden, pyromancer)" in capsys.readouterr().err
    assert main(["play", "--class", "bard", "--saves", str(tmp_path)]) == 2
    assert "no such class" in capsys.readouterr().err


def test_copying_the_assets_keeps_a_loadable_content(tmp_path):
    shutil.copytree(ASSETS, tmp_path / "assets", ignore=shutil.ignore_patterns("*.safetensors", "packs"))
    assert list(load(tmp_path / "assets").classes) == ["knight", "warden", "pyromancer"]


async def test_a_wardens_battle_counts_its_own_actions_and_names_its_class(tmp_path):
    from pilot import banner, bump_a_monster

    from game.ui.screens.battle import BattleScreen

    app = make_app(tmp_path, hero_class="warden", trust_model=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        screen = app.screen
        assert isinstance(screen, BattleScreen)
        assert [b.key_display for b in screen._bindings.key_to_bindings["1"]] == ["1-6"]
        assert "you (warden)" in screen.query_one("#roster").render().plain
        await pilot.press("1")
        await settle(pilot)
        # the bet moves with each trusted turn, before the battle ends
        assert app.game.battle is not None and app.stakes == app.game.battle.stakes() > 0
        assert f"bet +{app.stakes}" in banner(app)


def test_the_suspended_runs_summary_names_its_class(tmp_path):
    suspend(Run.new(7, hero_class="warden"), tmp_path)
    assert find_run(tmp_path).summary.startswith("a level 1 warden, seed 7")
