"""Driving the game as a player does, for the Pilot tests: an app on a
throwaway saves folder, and the waits and walks a player would make."""

from __future__ import annotations

import asyncio

from textual import events

from game.combat.resolver import EngineResolver
from game.ui.app import PicoRogueApp
from game.ui.screens.battle import BattleScreen
from game.ui.screens.widgets import Banner
from game.world.model_side import model_side

SIZE = (140, 45)
KEYS = {(1, 0): "l", (-1, 0): "h", (0, -1): "k", (0, 1): "j", (-1, -1): "y", (1, -1): "u", (-1, 1): "b", (1, 1): "n"}


def make_app(saves, model=None, seed=3, **kw) -> PicoRogueApp:
    side = model or model_side(EngineResolver())
    kw.setdefault("hero_class", "knight")  # the class screen has its own tests (test_classes.py)
    return PicoRogueApp(seed=seed, saves=saves, model_loader=lambda: side, turn_pause=0, **kw)


async def settle(pilot) -> None:
    """Wait until the game waits for the player: no worker, no monster turn pending.
    The app keeps a failure of its own from the test (it exits with a report,
    as it would for a player): here it fails the test."""
    for _ in range(400):
        assert pilot.app.crashed is None, f"the game crashed: {pilot.app.crashed.line()}"
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        if not (isinstance(screen, BattleScreen) and screen.busy):
            return
        await pilot.pause(0.01)
    raise AssertionError("the game never came back to the player")


# the characters of the named keys a burst may hold (a letter or digit is its own)
CHARS = {"enter": "\r", "greater_than_sign": ">", "full_stop": ".", "escape": "\x1b", "space": " "}


async def burst(pilot, *keys: str) -> None:
    """Keys as a player's burst arrives: all in the app's queue before the
    first is handled (`pilot.press` waits for the game between keys, so it
    never shows what a queued key does); then wait for the game."""
    app = pilot.app
    for key in keys:
        event = events.Key(key, CHARS.get(key, key if len(key) == 1 else None))
        event.set_sender(app)
        app.post_message(event)
    await settle(pilot)
    await settle(pilot)  # the keys a screen queued may start a turn the first wait did not see


async def crash_with(pilot, *keys: str) -> None:
    """Send keys expected to make the game fail, and wait for it to exit
    (`pilot.press` would wait for the failed screen to answer, which it never does)."""
    app = pilot.app
    for key in keys:
        event = events.Key(key, CHARS.get(key, key if len(key) == 1 else None))
        event.set_sender(app)
        app.post_message(event)
    for _ in range(500):
        if app.return_code is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the game did not exit")


def banner(app) -> str:
    return app.screen.query_one(Banner).text.plain


async def bump_a_monster(pilot) -> None:
    """Stand the hero beside a monster (as a fixture would), then walk into it."""
    run = pilot.app.game
    for m in run.floor.monsters:
        for (dx, dy), key in KEYS.items():
            spot = (m.x - dx, m.y - dy)
            if run.floor.walkable(spot) and not run.floor.monster_at(spot):
                run.pos = spot
                run.floor.see_from(spot)
                await pilot.press(key)
                await settle(pilot)
                return
    raise AssertionError("no monster to bump")


async def fight_to_the_end(pilot) -> None:
    app = pilot.app
    for _ in range(100):
        screen = app.screen
        assert isinstance(screen, BattleScreen)
        if screen.battle.over:
            return
        await pilot.press("1")
        await settle(pilot)
    raise AssertionError("the battle did not end")
