"""An error of the game's own never dies in front of the player: the app
catches it at the top, keeps the run, writes a crash report beside the
saves and exits with status 70; `play` says so in one line on stderr."""

from __future__ import annotations

import argparse
import threading

import pytest
from pilot import SIZE, bump_a_monster, crash_with, fight_to_the_end, make_app, settle

from game.records.run import find_run
from game.ui import crash
from game.ui.app import PicoRogueApp
from game.ui.screens.dungeon import DungeonScreen
from game.world.model_side import ModelSide


def injected(*args, **kwargs):
    raise ZeroDivisionError("injected for the test")


def only_report(folder):
    (report,) = folder.glob("crash-*.txt")
    return report


async def test_an_error_in_a_screen_keeps_the_run_and_writes_a_report(tmp_path, monkeypatch):
    monkeypatch.setattr(DungeonScreen, "action_wait", injected)
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "j")
        await settle(pilot)
        pos, moves = app.game.pos, app.game.moves
        await crash_with(pilot, "full_stop")  # the wait key: it raises
    assert app.return_code == crash.EXIT_STATUS == 70
    report = only_report(tmp_path)
    assert app.crashed.report == report and report.name.startswith("crash-2")
    text = report.read_text()
    for fact in ("ZeroDivisionError: injected for the test", "seed: 3", "version: pico-rogue ", "time: ",
                 "screens: ", "kept: the run was saved", "traceback:", "in injected"):
        assert fact in text, fact
    saved = find_run(tmp_path).data
    assert saved["pos"] == list(pos) and saved["moves"] == moves
    assert app.crashed.line() == (f"an internal error (ZeroDivisionError: injected for the test); "
                                  f"the run was saved; report at {report}")
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically: no temporary file left


async def test_an_error_in_the_app_itself_after_a_battle(tmp_path, monkeypatch):
    """The app's own handler fails (where the issue's crash was): the same."""
    monkeypatch.setattr(PicoRogueApp, "battle_left", injected)
    app = make_app(tmp_path, seed=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        await fight_to_the_end(pilot)
        await crash_with(pilot, "enter")
    assert app.return_code == 70 and "in battle: True" in only_report(tmp_path).read_text()
    if not app.game.over:
        assert find_run(tmp_path).data["battle"] is not None  # kept as it was: continued, it ends again


async def test_an_error_in_a_worker_reports_the_workers_own_error(tmp_path):
    loading = threading.Event()

    def loader() -> ModelSide:
        loading.wait(10)  # once the game is up (a failure at once would end it before the test could look)
        raise ZeroDivisionError("the loader broke")

    app = PicoRogueApp(seed=3, saves=tmp_path, model_loader=loader, turn_pause=0, hero_class="knight")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        loading.set()
        await crash_with(pilot)
    assert app.return_code == 70
    assert app.crashed.error == "ZeroDivisionError: the loader broke"
    assert 'raise ZeroDivisionError("the loader broke")' in only_report(tmp_path).read_text()


async def test_a_report_that_cannot_be_written_is_said_in_the_line(tmp_path, monkeypatch):
    monkeypatch.setattr(DungeonScreen, "action_wait", injected)
    monkeypatch.setattr(crash.atomic, "create", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left")))
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await crash_with(pilot, "full_stop")
    assert app.return_code == 70 and app.crashed.report is None
    assert "the run was saved; no report could be written (OSError: [Errno 28] No space left)" in app.crashed.line()
    assert find_run(tmp_path).data


async def test_pico_debug_gives_textuals_own_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("PICO_DEBUG", "1")
    monkeypatch.setattr(DungeonScreen, "action_wait", injected)
    app = make_app(tmp_path)
    with pytest.raises(ZeroDivisionError):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("full_stop")
            await pilot.pause()
    assert app.return_code == 1 and app.crashed is None and not list(tmp_path.glob("crash-*"))


def test_play_says_one_line_and_exits_70(tmp_path, monkeypatch, capsys):
    """The whole command, headless: the screen is restored, then one line."""
    from cli import play

    monkeypatch.setattr(DungeonScreen, "show_run", injected)
    monkeypatch.setattr(play, "load_model", lambda runtime=None: ModelSide(None, "unavailable", "a test"))
    real_run = PicoRogueApp.run
    monkeypatch.setattr(PicoRogueApp, "run", lambda self: real_run(self, headless=True, size=SIZE))
    args = argparse.Namespace(saves=tmp_path, weights=None, runtime=None, seed=3, trust_model=False, hero_class="knight")
    assert play.main(args) == 70
    err = capsys.readouterr().err
    report = only_report(tmp_path)
    assert err == (f"pico-rogue play: an internal error (ZeroDivisionError: injected for the test); "
                   f"the run was saved; report at {report}\n")
    assert find_run(tmp_path).data["seed"] == 3
    play.lock_saves(tmp_path).release()  # the game let go of the folder (SavesInUse if not)
