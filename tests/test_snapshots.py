"""What the screen looks like at 80x24, 120x40 and 160x50: the dungeon, a
battle stopped on a divergence, the help, examining a monster in battle,
and the end of a run.

Fixed seeds and a fixed stand-in model (it errs on turn 2 of every fight)
make every picture the same on every machine. After a deliberate change of
the layout, look at the new pictures and accept them with
`pytest tests/test_snapshots.py --snapshot-update`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pilot import bump_a_monster, make_app, settle
from stand_in import stand_in

from game.ui.screens.battle import BattleScreen
from game.ui.screens.divergence import DivergenceScreen

SIZES = [(80, 24), (120, 40), (160, 50)]
IDS = ["80x24", "120x40", "160x50"]


def app_for(tmp_path, monkeypatch):
    """The game on a fresh saves/ in the working folder, so the paths it shows
    (a morgue file's) read the same on every machine."""
    monkeypatch.chdir(tmp_path)
    return make_app(Path("saves"), model=stand_in(), seed=3)


async def in_the_dungeon(pilot) -> None:
    await settle(pilot)
    await pilot.press("l", "l", "j")
    await settle(pilot)


async def at_a_divergence(pilot) -> None:
    await settle(pilot)
    await bump_a_monster(pilot)
    battle = pilot.app.game.battle
    battle.encounter = battle.encounter.replacing(battle.encounter.hero.with_(atk=0))  # the monster lives to err
    await pilot.press("1")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DivergenceScreen)


async def in_the_help(pilot) -> None:
    await settle(pilot)
    await pilot.press("question_mark")
    await pilot.pause()


async def examining_in_battle(pilot) -> None:
    """A battle's examine box on a monster that is burning and cooling down."""
    from game.combat.encounter import Status

    await settle(pilot)
    await bump_a_monster(pilot)
    battle = pilot.app.game.battle
    m1 = battle.encounter.get("m1")
    battle.encounter = battle.encounter.replacing(m1.with_(hp=max(1, m1.hp - 2), statuses=(Status("burn", 2, 3),)))
    await pilot.press("semicolon")
    await pilot.pause()


async def at_the_end(pilot) -> None:
    await settle(pilot)
    pilot.app.game.hp = 1
    await bump_a_monster(pilot)
    battle = pilot.app.game.battle
    battle.encounter = battle.encounter.replacing(battle.encounter.hero.with_(hp=1, atk=0))
    for _ in range(60):
        screen = pilot.app.screen
        if isinstance(screen, DivergenceScreen) or isinstance(screen, BattleScreen) and battle.over:
            await pilot.press("enter")
        elif isinstance(screen, BattleScreen):
            await pilot.press("5")  # guard, and hope
        else:
            break
        await settle(pilot)
    assert pilot.app.game.cause


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_dungeon(snap_compare, tmp_path, monkeypatch, size):
    assert snap_compare(app_for(tmp_path, monkeypatch), terminal_size=size, run_before=in_the_dungeon)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_battle_with_a_divergence(snap_compare, tmp_path, monkeypatch, size):
    assert snap_compare(app_for(tmp_path, monkeypatch), terminal_size=size, run_before=at_a_divergence)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_help(snap_compare, tmp_path, monkeypatch, size):
    assert snap_compare(app_for(tmp_path, monkeypatch), terminal_size=size, run_before=in_the_help)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_examine(snap_compare, tmp_path, monkeypatch, size):
    assert snap_compare(app_for(tmp_path, monkeypatch), terminal_size=size, run_before=examining_in_battle)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_game_over(snap_compare, tmp_path, monkeypatch, size):
    assert snap_compare(app_for(tmp_path, monkeypatch), terminal_size=size, run_before=at_the_end)


async def choosing_a_class(pilot) -> None:
    """A new run's first screen, the warden highlighted."""
    await pilot.pause()
    await pilot.press("down")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_choosing_a_class(snap_compare, tmp_path, monkeypatch, size):
    monkeypatch.chdir(tmp_path)
    app = make_app(Path("saves"), model=stand_in(), seed=3, hero_class=None)
    assert snap_compare(app, terminal_size=size, run_before=choosing_a_class)
