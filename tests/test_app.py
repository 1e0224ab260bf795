"""The game driven as a player drives it: keys in, screen state out."""

from __future__ import annotations

from pilot import SIZE, banner, bump_a_monster, fight_to_the_end, make_app, settle

from game.records.run import find_run
from game.ui.screens.battle import BattleScreen
from game.ui.screens.dungeon import DungeonScreen
from game.ui.screens.end import ContinueScreen, GameOverScreen
from game.ui.screens.help import HelpScreen
from game.world.model_side import ModelSide


def suspended(folder):
    """The suspended run's data in `folder`, or None."""
    found = find_run(folder)
    return found.data if found else None



async def test_walk_into_a_monster_and_fight_a_whole_battle(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DungeonScreen)
        assert "seed 3" in banner(app) and "RULES" in banner(app)
        before = app.game.pos
        await pilot.press("l", "h")
        await settle(pilot)
        await bump_a_monster(pilot)
        assert isinstance(app.screen, BattleScreen)
        battle = app.screen.battle
        assert 1 <= len(battle.start.monsters) <= 3
        await fight_to_the_end(pilot)
        assert battle.turns and battle.tally.agreed == battle.tally.asked == len(battle.turns)
        assert app.screen.saved_to and list(tmp_path.glob("battle-s3-*.json"))
        await pilot.press("enter")
        await settle(pilot)
        if battle.won:
            assert isinstance(app.screen, DungeonScreen)
            assert app.game.kills == len(battle.start.monsters)
        else:
            assert isinstance(app.screen, GameOverScreen)
        assert before is not None


async def test_trust_toggle_changes_the_header(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "RULES" in banner(app)
        await pilot.press("t")
        await pilot.pause()
        assert app.trust_model and "MODEL" in banner(app)
        await bump_a_monster(pilot)
        assert "MODEL" in banner(app)
        await pilot.press("1")
        await settle(pilot)
        assert app.screen.battle.turns[0].applied == "model"
        await pilot.press("t")
        await pilot.pause()
        assert "RULES" in banner(app)


async def test_greyed_action_says_why(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        await pilot.press("7")  # quaff regen: the hero carries none
        await settle(pilot)
        assert app.screen.battle.turns == []
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.raw


async def test_unavailable_model_still_plays(tmp_path):
    app = make_app(tmp_path, model=ModelSide(None, "unavailable", "no weights"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "unavailable" in banner(app)
        await bump_a_monster(pilot)
        await pilot.press("1")
        await settle(pilot)
        turn = app.screen.battle.turns[0]
        assert not turn.asked_model and turn.applied == "engine"


async def test_help_screen(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DungeonScreen)


async def test_quit_suspends_and_play_offers_to_continue(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "j", "h")
        await settle(pilot)
        pos, moves = app.game.pos, app.game.moves
        await pilot.press("q")
        await pilot.pause()
    assert suspended(tmp_path)["pos"] == list(pos)

    again = make_app(tmp_path, seed=99)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, ContinueScreen)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(again.screen, DungeonScreen)
        assert again.game.pos == pos and again.game.moves == moves and again.game.seed == 3
        assert suspended(tmp_path) is None  # a save only suspends


async def test_quit_mid_battle_resumes_the_battle(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        await pilot.press("1")
        await settle(pilot)
        if app.screen.battle.over:
            return
        turns = len(app.screen.battle.turns)
        await pilot.press("q")
        await pilot.pause()
    again = make_app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(again.screen, BattleScreen)
        assert len(again.screen.battle.turns) == turns


async def test_death_shows_game_over_and_new_run(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.game.hp = 1
        await bump_a_monster(pilot)
        battle = app.screen.battle
        battle.encounter = battle.encounter.replacing(battle.encounter.hero.with_(hp=1, atk=0))
        for _ in range(60):
            if battle.over:
                break
            await pilot.press("5")  # guard, and hope
            await settle(pilot)
        if battle.won:
            return
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameOverScreen)
        assert app.game.cause and "floor 1" in app.game.cause
        assert suspended(tmp_path) is None
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, DungeonScreen) and not app.game.over


async def test_a_played_battle_replays(tmp_path):
    from game.records.battle import load_battle
    from game.ui.replay import ReplayApp

    app = make_app(tmp_path, seed=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        await fight_to_the_end(pilot)
        played = [t.prompt for t in app.screen.battle.turns]
    (path,) = tmp_path.glob("battle-s5-*.json")
    save = load_battle(path)
    assert [t["prompt"] for t in save.turns] == played
    viewer = ReplayApp(save)
    async with viewer.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        assert viewer.index == len(played) - 1
