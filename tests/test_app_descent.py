"""The descent's keys, driven as a player drives them: explore, the stairs,
the inventory, fleeing, and the morgue at the end of a run."""

from __future__ import annotations

import random

from test_app import SIZE, bump_a_monster, make_app, settle

from game.combat.encounter import Status
from game.records.battle import load_battle
from game.ui.screens.battle import BattleScreen
from game.ui.screens.dungeon import DungeonScreen
from game.ui.screens.end import GameOverScreen
from game.ui.screens.fighters import Roster
from game.ui.screens.inventory import InventoryScreen
from game.world import fight


async def test_explore_and_the_stairs_key(tmp_path):
    app = make_app(tmp_path, seed=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        run = app.game
        run.floor.monsters.clear()
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert run.log[-1] == "You have not found the stairs down yet (x explores)."
        await pilot.press("x")
        await settle(pilot)
        assert run.log[-1] == "You have explored this floor (the stairs are known)."
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert run.floor.tile(run.pos) == ">"
        await pilot.press("greater_than_sign")
        await settle(pilot)
        assert run.depth == 2 and isinstance(app.screen, DungeonScreen)


async def test_the_inventory_drinks_a_potion(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        run = app.game
        run.potions = {"healing_potion": 2}
        run.hp = 3
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, InventoryScreen)
        assert "2 healing potions" in str(app.screen.query_one("#inventory").render())
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, DungeonScreen)
        assert run.potions == {"healing_potion": 1} and run.hp > 3
        assert run.log[-1].startswith("You drink a healing potion")


async def test_fleeing_a_battle(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        screen = app.screen
        assert isinstance(screen, BattleScreen)
        battle = screen.battle
        chance = fight.flee_chance(battle.encounter)
        battle.rng = random.Random(next(s for s in range(1000) if random.Random(s).random() < chance))
        await pilot.press("f")
        await settle(pilot)
        assert battle.over and battle.fled and screen.saved_to
        roster = str(screen.query_one(Roster).render())
        assert "▶" not in roster and "◎" not in roster  # no one to act and no target once fled
        saved = load_battle(next(tmp_path.glob("battle-*.json")))
        assert saved.data["result"] == "fled" and saved.data["flights"] == [{"turn": 1, "got_away": True}]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DungeonScreen)
        assert app.game.fights[-1]["result"] == "fled" and app.game.fights[-1]["file"]


async def test_death_writes_the_morgue_and_the_high_score(tmp_path):
    from game.records import finished, scores

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        battle = app.screen.battle
        hero = battle.encounter.hero.with_(hp=1, statuses=(Status("poison", 2, 2),))
        battle.encounter = battle.encounter.replacing(hero)
        await pilot.press("1")  # the poison ticks first: the hero is down
        await settle(pilot)
        assert battle.over and not battle.won
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, GameOverScreen)
        (path, rec), = finished.records(tmp_path)
        assert rec["cause"] == "succumbed to poison on floor 1" and rec["battles"][0]["file"]
        assert app.screen.morgue and app.screen.morgue.endswith(path.with_suffix(".txt").name)
        assert scores.scores(tmp_path)[0]["seed"] == 3
