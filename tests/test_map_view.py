"""The map at every size: the hero and what `x` stopped for are always in
view, and a large terminal draws the floor large (issue 17)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pilot import make_app, settle

from game.ui.screens.dungeon import DungeonScreen, MapView, SidePanel, tile_scale, window
from game.world.dungeon import HEIGHT, WIDTH

SEED = 835231  # `x` from the start stops on a rat 8 steps away, 7 rows up


def drawn(app) -> list[str]:
    """The map's lines as the player reads them."""
    return app.screen.query_one(MapView).render().plain.splitlines()


async def explore_once(pilot) -> None:
    await settle(pilot)
    await pilot.press("x")
    await settle(pilot)


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (140, 45), (200, 60)])
async def test_x_stops_on_a_monster_the_map_shows(tmp_path, size):
    app = make_app(tmp_path, seed=SEED)
    async with app.run_test(size=size) as pilot:
        await explore_once(pilot)
        assert isinstance(app.screen, DungeonScreen)
        run = app.game
        seen = run.in_sight()
        assert seen, "x stops when a monster comes into sight"
        text = "\n".join(drawn(app))
        assert "@" in text
        for m in seen:
            assert run.content.monsters[m.kind].glyph in text, f"the {m.kind} x stopped for is off the map"


async def test_a_short_terminal_gives_the_map_most_rows(tmp_path):
    app = make_app(tmp_path, seed=SEED)
    async with app.run_test(size=(80, 24)) as pilot:
        await explore_once(pilot)
        rows = app.screen.query_one(MapView).content_size.height
        assert rows >= 14  # it was 11: the log keeps its newest 2 lines
        assert len(drawn(app)) == rows


@pytest.mark.parametrize("size", [(100, 30), (140, 45)])
async def test_the_whole_floor_fits_from_100x30(tmp_path, size):
    app = make_app(tmp_path, seed=SEED)
    async with app.run_test(size=size) as pilot:
        await explore_once(pilot)
        assert app.screen.query_one(MapView).content_size.height >= HEIGHT
        assert app.screen.query_one(SidePanel).display


async def test_a_large_terminal_draws_the_floor_large(tmp_path):
    app = make_app(tmp_path, seed=SEED)
    async with app.run_test(size=(200, 60)) as pilot:
        await explore_once(pilot)
        view = app.screen.query_one(MapView)
        assert view.content_size.height >= 2 * HEIGHT and view.content_size.width >= 3 * WIDTH
        assert app.screen.query_one(SidePanel).display  # under the map, beside the log
        lines = drawn(app)
        wall = next(line for line in lines if "#" in line)
        assert "###" in wall and "# #" not in wall  # a wall is three columns a tile


def test_tiles_are_as_large_as_the_floor_fits():
    assert tile_scale(78, 14, WIDTH, HEIGHT) == (1, 1)
    assert tile_scale(124, 21, WIDTH, HEIGHT) == (2, 1)
    assert tile_scale(124, 10, WIDTH, HEIGHT) == (2, 1)  # columns double even when rows scroll
    assert tile_scale(180, 42, WIDTH, HEIGHT) == (3, 2)
    assert tile_scale(180, 41, WIDTH, HEIGHT) == (2, 1)  # two rows a tile only when all of it fits
    assert tile_scale(240, 50, WIDTH, HEIGHT) == (4, 2)


@given(st.integers(1, 60), st.data())
def test_the_window_always_holds_the_hero_and_the_focus_when_it_can(size, data):
    view = data.draw(st.integers(1, size))
    hero = data.draw(st.integers(0, size - 1))
    focus = data.draw(st.none() | st.integers(0, size - 1))
    first = window(hero, focus, size, view)
    assert 0 <= first <= size - view
    assert first <= hero < first + view
    if focus is not None and abs(focus - hero) < view:
        assert first <= focus < first + view
