"""Keys in bursts at every transition (a bump, a battle's end, the stairs,
fleeing, a potion, quitting): nothing crashes, no fight is begun twice or
ended twice, and every battle is saved once.

A burst is what a held key or a fast typist sends: every key in the app's
queue before the first is handled (`pilot.burst`)."""

from __future__ import annotations

import random

import pytest
from pilot import KEYS, SIZE, burst, make_app, settle

from game.combat.resolver import EngineResolver
from game.records.run import find_run
from game.ui.screens.battle import BattleScreen
from game.ui.screens.dungeon import DungeonScreen
from game.ui.screens.end import GameOverScreen
from game.ui.screens.inventory import InventoryScreen
from game.world import dungeon
from game.world.run import Fight, Run


class Ledger:
    """The battles of every run an app played, to check the saves against."""

    def __init__(self, saves):
        self.saves = saves
        self.runs = []

    def ended(self, app) -> int:
        if app.game is not None and all(r is not app.game for r in self.runs):
            self.runs.append(app.game)
        return sum(len(r.fights) for r in self.runs)

    def check(self, app) -> None:
        """What must hold after any burst."""
        assert app.crashed is None and app.return_code is None, app.crashed
        run = app.game
        ended = self.ended(app)
        # a battle begun once is counted once, and ended once
        assert run.battles == len(run.fights) + (run.battle is not None)
        assert len({id(f) for f in run.fights}) == len(run.fights)
        battle_screens = [s for s in app.screen_stack if isinstance(s, BattleScreen)]
        if run.battle is not None:
            # the run's battle is on screen, once (a screen may sit over it: help, a divergence)
            assert [s.battle for s in battle_screens] == [run.battle]
        else:
            assert battle_screens == []
            assert isinstance(app.screen, GameOverScreen if run.over else DungeonScreen), app.screen
        # every battle that ended is saved, once (one that is over waits for Enter, saved already)
        waiting = run.battle is not None and run.battle.over
        assert len(list(self.saves.glob("battle-*.json"))) == ended + waiting
        assert [f["file"] for f in run.fights].count(None) == 0


def beside(run, monster) -> tuple[int, int] | None:
    """A free spot beside `monster` and the key that bumps it from there."""
    for (dx, dy), key in KEYS.items():
        spot = (monster.x - dx, monster.y - dy)
        if run.floor.walkable(spot) and not run.floor.monster_at(spot):
            return spot, key
    return None


async def bump_in_a_burst(pilot, ledger, extra: int = 7) -> bool:
    """Stand the hero beside a monster (as a fixture would) and walk into it
    with the key held: the bump and `extra` more. False if no monster is left."""
    run = pilot.app.game
    for m in sorted(run.floor.monsters, key=lambda m: m.id):
        found = beside(run, m)
        if found:
            run.pos = found[0]
            run.floor.see_from(run.pos)
            await burst(pilot, *[found[1]] * (1 + extra))
            ledger.check(pilot.app)
            return True
    return False


async def fight_in_bursts(pilot, ledger, keys=("1", "1", "1", "1")) -> None:
    app = pilot.app
    for _ in range(200):
        screen = app.screen
        assert isinstance(screen, BattleScreen)
        if screen.battle.over:
            return
        await burst(pilot, *keys)
        ledger.check(app)
    raise AssertionError("the battle did not end")


async def leave_in_a_burst(pilot, ledger) -> None:
    await burst(pilot, "enter", "enter", "enter", "enter", "space", "enter")
    ledger.check(pilot.app)


def test_a_bump_begins_the_battle_in_the_run_and_the_next_keys_are_refused():
    run = Run.new(3)
    rat = run.floor.monsters[0]
    spot, key = beside(run, rat)
    run.pos = spot
    step = next(d for d, k in KEYS.items() if k == key)
    battle = run.move(*step)
    assert battle is not None and battle is run.battle and run.battles == 1 and run.foes[0] == rat.id
    before = run.to_dict()
    # what a burst of keys does next: nothing
    assert run.move(*step) is None and run.wait() is None and run.rest() is None
    assert run.explore() is None and run.go_down() is None and not run.drink("healing_potion")
    assert run.to_dict() == before
    with pytest.raises(RuntimeError, match="already being fought"):
        run.begin_battle(Fight([rat]))
    battle.model = EngineResolver()
    while not battle.over:
        battle.play(battle.options()[0].action) if battle.hero_to_act else battle.play_monster()
    assert run.end_battle("first.json") is battle
    after = run.to_dict()
    assert run.end_battle("again.json") is None and run.to_dict() == after  # ended once
    assert not run.flee()
    assert run.battles == len(run.fights) == 1 and run.fights[0]["file"] == "first.json"


async def test_a_burst_after_a_bump_begins_one_battle(tmp_path):
    """The issue's crash: `play --seed 835231 --trust-model`, `x` ("You see
    a rat"), then `kkkkkkkk` in one burst began two battles for the one rat;
    the second Enter ended a battle that was gone (AttributeError). Since
    dungeon.yaml's `ahead` and `group_sizes` the monster `x` stops for on
    this seed is a snake (of floor 2) to the south-east: the burst is
    `jnnnnnnn`, towards it round the wall."""
    app = make_app(tmp_path, seed=835231, trust_model=True)
    ledger = Ledger(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert app.game.log[-1].startswith("You see a snake (3 steps south-east)")
        await burst(pilot, *"jnnnnnnn")
        assert isinstance(app.screen, BattleScreen)
        assert app.game.battles == 1
        ledger.check(app)
        battle = app.screen.battle
        await fight_in_bursts(pilot, ledger)
        assert battle.won
        await leave_in_a_burst(pilot, ledger)
        assert isinstance(app.screen, DungeonScreen)
        assert app.game.battles == len(app.game.fights) == 1 and app.game.kills == 1
        assert len(list(tmp_path.glob("battle-*.json"))) == 1
        # the keys the battle held work again
        moves = app.game.moves
        await burst(pilot, "full_stop")
        assert app.game.moves == moves + 1


async def test_bursts_at_flee_potion_stairs_and_quit(tmp_path):
    app = make_app(tmp_path, seed=11)
    ledger = Ledger(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        run = app.game
        # a potion from the pack, the letter held: one potion drunk, the inventory closed once
        run.hp, run.potions = 5, {"healing_potion": 3}
        await burst(pilot, "i")
        assert isinstance(app.screen, InventoryScreen)
        await burst(pilot, *"aaaa")
        assert run.potions["healing_potion"] == 2 and isinstance(app.screen, DungeonScreen)
        ledger.check(app)
        # flee, held: tries until away (a failed try gives the monsters their turns)
        assert await bump_in_a_burst(pilot, ledger)
        for _ in range(50):
            if app.screen.battle.over:
                break
            await burst(pilot, *"ffff")
            ledger.check(app)
        await leave_in_a_burst(pilot, ledger)
        # a potion in battle, held: one turn at a time
        if not run.over:
            assert await bump_in_a_burst(pilot, ledger)
            await burst(pilot, *"6666")
            ledger.check(app)
            await fight_in_bursts(pilot, ledger)
            await leave_in_a_burst(pilot, ledger)
        # the stairs, held: down once, and the keys left over refused or harmless
        # (on the new floor they travel to stairs already in sight, and may go down again)
        if not run.over:
            run.pos = next((x, y) for y, row in enumerate(run.floor.tiles) for x, t in enumerate(row)
                           if t == dungeon.STAIRS)
            depth = run.depth
            await burst(pilot, *["greater_than_sign"] * 6)
            ledger.check(app)
            assert run.depth > depth
        # quit, held: the run is saved and the app ends, once
        await burst(pilot, *"qqqq")
        assert app.return_code == 0 and app.crashed is None
    if not run.over:
        assert find_run(tmp_path).data["seed"] == 11


async def play_battles_in_bursts(tmp_path, monkeypatch, battles: int, seed: int, size=SIZE) -> None:
    """Battle after battle, every key in a burst: bump, act or flee, leave;
    the stairs when a floor is cleared, a new run after a death. The seeds of
    the new runs come from `seed` too (the app draws them at random)."""
    rng = random.Random(seed)
    monkeypatch.setattr("game.ui.app.random", random.Random(seed + 1))
    app = make_app(tmp_path, seed=seed)
    ledger = Ledger(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        while ledger.ended(app) < battles:
            ledger.check(app)
            if isinstance(app.screen, GameOverScreen):
                await burst(pilot, *"nnn")  # a new run; the n's left over move the hero
                continue
            run = app.game
            if not await bump_in_a_burst(pilot, ledger, extra=rng.randrange(8)):
                if run.floor.last:  # the dragon is dead: this run is won, start another
                    app.new_run()
                    await settle(pilot)
                    continue
                stairs = dungeon.stairs(run.floor) or next(
                    (x, y) for y, row in enumerate(run.floor.tiles) for x, t in enumerate(row) if t == dungeon.STAIRS)
                run.pos = stairs
                await burst(pilot, *["greater_than_sign"] * rng.randrange(1, 4))
                continue
            if not isinstance(app.screen, BattleScreen):
                continue
            keys = rng.choice([("1",) * 4, ("1", "2", "5", "1"), ("f",) * 3, ("6", "1", "1"), ("1", "enter", "1")])
            await fight_in_bursts(pilot, ledger, keys)
            await leave_in_a_burst(pilot, ledger)
        ledger.check(app)


async def test_a_few_battles_in_bursts(tmp_path, monkeypatch):
    await play_battles_in_bursts(tmp_path, monkeypatch, battles=3, seed=7)  # 200 more in the slow test


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2026, 2027, 2028, 2029])
async def test_two_hundred_battles_in_bursts(tmp_path, monkeypatch, seed):
    # the 200, as four games of 50 (so the test run spreads them over its processes);
    # an 80x24 terminal, as drawing is most of the time (same screens, same keys)
    await play_battles_in_bursts(tmp_path, monkeypatch, battles=50, seed=seed, size=(80, 24))


async def test_continue_and_new_run_in_bursts(tmp_path):
    """The choices of the start and end screens, held: acted on once."""
    app = make_app(tmp_path, seed=5)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, "l", "q", "q")
    assert app.return_code == 0 and find_run(tmp_path).data["moves"] == app.game.moves
    again = make_app(tmp_path, seed=5)
    ledger = Ledger(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, *"cccc")
        assert isinstance(again.screen, DungeonScreen) and len(again.screen_stack) == 2
        assert again.game.log.count("You continue your run.") == 1
        assert find_run(tmp_path) is None  # continued: the save is gone
        ledger.check(again)
        # death, then `n` held: one new run
        again.game.hp = 1
        assert await bump_in_a_burst(pilot, ledger, extra=0)
        battle = again.screen.battle
        battle.encounter = battle.encounter.replacing(battle.encounter.hero.with_(hp=1, atk=0))
        await fight_in_bursts(pilot, ledger, ("5", "5"))
        assert battle.over and not battle.won  # 1 hp and no attack: the hero falls
        await leave_in_a_burst(pilot, ledger)
        assert isinstance(again.screen, GameOverScreen)
        old = again.game
        await burst(pilot, *"nnn")
        assert again.game is not old and isinstance(again.screen, DungeonScreen) and len(again.screen_stack) == 2


async def test_a_key_pressed_while_a_turn_plays_waits_for_the_next_turn(tmp_path):
    """Type-ahead: a burst in battle once played one action and dropped the
    rest silently. Now the first key plays, one more waits (the latest key
    pressed) and plays on the hero's next turn; the wait line says which.
    A key the next turn cannot take either is said at once, not queued."""
    from dataclasses import replace

    from game.combat.encounter import Action
    from game.ui.screens.fighters import Actions
    from game.ui.screens.widgets import MessageLog

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await a_battle_with(pilot, "troll")  # 32 hp: lives through blows
        log = screen.query_one(MessageLog)
        hero_turns = lambda: [t.action for t in screen.battle.turns if t.actor == "hero"]  # noqa: E731
        hero_at_turn = screen.battle.encounter
        screen.battle.encounter = replace(hero_at_turn, actor="m1")  # the troll's turn plays
        screen.busy = True
        await pilot.press("1")
        await pilot.press("f")
        await pilot.press("1")  # the latest key wins
        assert screen.queued == ("act", 1) and hero_turns() == []
        assert "next: 1 strike → m1" in (screen.query_one(Actions).choices.waiting or "")
        await pilot.press("6")  # a heal at full health: hurt by then, maybe: queued too
        assert screen.queued == ("act", 6)
        await pilot.press("1")
        screen.battle.encounter = hero_at_turn
        screen.next_step()  # the hero's turn comes: the queued key plays
        await settle(pilot)
        assert [a.ability for a in hero_turns()] == ["strike"] and screen.queued is None
        await burst(pilot, "1", "1", "1", "1")
        assert len(hero_turns()) == 3  # one played at once, one queued: the other two replaced it
        # the hero's own poison strike in flight: the same key again cannot be
        # taken on the next turn (its cooldown is set), another can
        screen.busy, screen.playing = True, Action("poison_strike", "m1")
        await pilot.press("2")
        assert screen.queued is None and log.lines[-1].startswith("Not now: poison strike, ready in 3 turns")
        await pilot.press("1")
        assert screen.queued == ("act", 1)
        screen.busy, screen.playing, screen.queued = False, None, None


async def a_battle_with(pilot, kind: str) -> BattleScreen:
    """A battle against one monster of `kind`, begun by a bump."""
    from game.world.dungeon import Monster

    await settle(pilot)
    run = pilot.app.game
    run.floor.monsters.clear()
    x, y = next((x, y) for x in range(run.floor.width) for y in range(run.floor.height)
                if run.floor.walkable((x, y)) and run.floor.walkable((x + 1, y)))
    run.pos = (x, y)
    run.floor.monsters.append(Monster(901, kind, x + 1, y))
    run.floor.see_from(run.pos)
    await pilot.press("l")
    await settle(pilot)
    assert isinstance(pilot.app.screen, BattleScreen)
    return pilot.app.screen


async def test_a_queued_key_is_dropped_at_a_divergence_or_a_failed_turn(tmp_path):
    """The player reads a divergence before playing on: the key pressed
    before it does not play after it closes. A turn that failed drops it too."""
    from stand_in import WRONG_TURN, stand_in

    from game.ui.screens.divergence import DivergenceScreen

    app = make_app(tmp_path, model=stand_in())
    async with app.run_test(size=SIZE) as pilot:
        screen = await a_battle_with(pilot, "troll")
        assert screen.battle.encounter.turn == WRONG_TURN - 1
        await burst(pilot, "5", "1")  # guard; the strike pressed while it plays waits
        assert isinstance(app.screen, DivergenceScreen)  # the stand-in errs on the troll's turn
        assert screen.queued is None
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen and screen.battle.hero_to_act
        assert [t.action.ability for t in screen.battle.turns if t.actor == "hero"] == ["guard"]
        screen.queued = ("act", 1)
        screen.post_message(BattleScreen.Failed("a test's failure"))
        await settle(pilot)
        assert screen.queued is None and [t.actor for t in screen.battle.turns].count("hero") == 1


async def test_a_queued_flee_where_there_is_no_fleeing_is_said_at_once(tmp_path):
    from game.ui.screens.widgets import MessageLog

    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await a_battle_with(pilot, "dragon")
        screen.busy = True
        await pilot.press("1")
        await pilot.press("f")  # the dragon bars the way: the strike stays queued
        assert screen.queued == ("act", 1)
        assert screen.query_one(MessageLog).lines[-1].startswith("You cannot flee: the dragon bars the way")
        screen.busy, screen.queued = False, None


async def test_a_queued_key_is_dropped_when_the_save_box_opens(tmp_path):
    """A play-tester pressed 2, 3, then q: the queued ignite played under
    "Save and quit?". A box over the battle (save, help, history) drops it."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        screen = await a_battle_with(pilot, "troll")
        screen.busy = True
        await pilot.press("1")
        assert screen.queued == ("act", 1)
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is not screen and screen.queued is None
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        screen.busy = False
        screen.next_step()  # the hero's turn: nothing plays by itself
        await settle(pilot)
        assert [t for t in screen.battle.turns if t.actor == "hero"] == []
