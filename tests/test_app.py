"""The game driven as a player drives it: keys in, screen state out."""

from __future__ import annotations

from io import StringIO

from pilot import SIZE, banner, bump_a_monster, fight_to_the_end, make_app, settle
from rich.console import Console

from game.records.run import find_run
from game.ui.screens.battle import BattleScreen
from game.ui.screens.dungeon import DungeonScreen
from game.ui.screens.end import ContinueScreen, GameOverScreen
from game.ui.screens.fighters import Roster
from game.ui.screens.help import HelpScreen
from game.ui.screens.widgets import MessageLog
from game.world.model_side import ModelSide


def suspended(folder):
    """The suspended run's data in `folder`, or None."""
    found = find_run(folder)
    return found.data if found else None


# the first monster this seed's hero walks into is a lone bat (dungeon.yaml's
# group sizes and `ahead` decide which seeds do: seed 3's is a rat and a bat)
LONE_BAT = 8



async def test_walk_into_a_monster_and_fight_a_whole_battle(tmp_path):
    app = make_app(tmp_path, seed=LONE_BAT)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DungeonScreen)
        assert f"seed {LONE_BAT}" in banner(app) and "RULES" in banner(app)
        x, y = app.game.pos
        await pilot.press("l")
        await settle(pilot)
        assert app.game.pos == (x + 1, y) and app.game.moves == 1
        await pilot.press("h")
        await settle(pilot)
        assert app.game.pos == (x, y) and app.game.moves == 2
        await bump_a_monster(pilot)
        assert isinstance(app.screen, BattleScreen)
        battle = app.screen.battle
        assert [m.kind for m in battle.start.monsters] == ["bat"]  # a lone bat, not its group
        await fight_to_the_end(pilot)
        assert battle.turns and battle.tally.agreed == battle.tally.asked == len(battle.turns)
        assert battle.won and app.game.kills == 0  # counted when the player leaves the battle
        assert app.screen.saved_to and list(tmp_path.glob(f"battle-s{LONE_BAT}-*.json"))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DungeonScreen)
        assert app.game.kills == 1


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
        # in the battle log (a toast covered the log's last lines at 80x24)
        assert app.screen.query_one(MessageLog).lines[-1] == "Not now: quaff regen, no regen potion left."
        await pilot.press("7", "7")
        await settle(pilot)
        assert app.screen.query_one(MessageLog).shown[-1] == "Not now: quaff regen, no regen potion left. (×3)"
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
        await pilot.press("q", "q")
        await pilot.pause()
    assert suspended(tmp_path)["pos"] == list(pos)

    again = make_app(tmp_path, seed=99)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, ContinueScreen)
        assert "new run (of seed 99;" in str(again.screen.query_one("#continue").render())  # --seed is for a new run
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(again.screen, DungeonScreen)
        assert again.game.pos == pos and again.game.moves == moves and again.game.seed == 3
        assert suspended(tmp_path) is None  # a save only suspends


def roster_text(app) -> str:
    """The fighters panel as the player reads it."""
    roster = app.screen.query_one(Roster)
    console = Console(file=StringIO(), width=roster.size.width, color_system=None)
    console.print(roster.render())
    return console.file.getvalue()


async def start_a_battle_and_guard(pilot) -> None:
    """Seed LONE_BAT: walk into the bat, and guard (the bat, 5 hp, would die of a strike)."""
    await settle(pilot)
    await bump_a_monster(pilot)
    await pilot.press("5")
    await settle(pilot)


async def test_quit_mid_battle_resumes_the_battle(tmp_path):
    app = make_app(tmp_path, seed=LONE_BAT)
    async with app.run_test(size=SIZE) as pilot:
        await start_a_battle_and_guard(pilot)
        battle = app.screen.battle
        assert not battle.over and battle.hero_to_act
        assert [t.lines for t in battle.turns] == [("You raise your guard; you are on guard (2).",),
                                                   ("The bat hits you for 2.",)]
        encounter, prompts, fighters = battle.encounter, [t.prompt for t in battle.turns], roster_text(app)
        assert encounter.turn == 3 and [(c.kind, c.hp, c.max_hp) for c in encounter.combatants] == [
            ("knight", 28, 30), ("bat", 5, 5)]
        assert "28/30" in fighters and "bat" in fighters and "5/5" in fighters and "on guard (2)" in fighters
        log = app.screen.query_one(MessageLog).lines
        await pilot.press("q", "q")
        await pilot.pause()
    assert suspended(tmp_path) is not None and not list(tmp_path.glob("battle-*.json"))  # suspended, not finished

    again = make_app(tmp_path, seed=99)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(again.screen, ContinueScreen)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(again.screen, BattleScreen)
        resumed = again.screen.battle
        assert resumed.encounter == encounter and [t.prompt for t in resumed.turns] == prompts
        assert roster_text(again) == fighters and again.screen.query_one(MessageLog).lines == log
        assert f"seed {LONE_BAT}" in banner(again)
        await pilot.press("1")  # and the battle goes on with the dice it would have rolled
        await settle(pilot)
        after_resuming = [t.prompt for t in resumed.turns]

    straight = make_app(tmp_path / "straight", seed=LONE_BAT)
    async with straight.run_test(size=SIZE) as pilot:
        await start_a_battle_and_guard(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert [t.prompt for t in straight.screen.battle.turns] == after_resuming
    assert len(after_resuming) > len(prompts)


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
            await pilot.press("5")  # guard: 1 hp and no attack, the hero falls
            await settle(pilot)
        assert battle.over and not battle.won
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


def test_a_monster_joining_the_battle_is_logged():
    """A second monster drawn into the fight has its own line in the log."""
    from game.world.dungeon import Monster
    from game.world.run import Fight, Run

    run = Run.new(3)
    first, second = Monster(901, "goblin", 1, 1), Monster(902, "rat", 1, 2)
    run.floor.monsters += [first, second]
    run.begin_battle(Fight([first, second]))
    assert run.log[-2:] == ["You attack the goblin!", "The rat joins the fight."]


def test_counted_items_say_what_each_one_does():
    """'2 whetstones: sharpens your blade (+1 atk)' read as the pile's."""
    from game.world.run import Run

    run = Run.new(3)
    run.charms = {"whetstone": 2, "iron_skin": 1}
    run.potions = {"healing_potion": 3}
    said = {c.kind: f"{c.text}: {c.describe}" for c in run.inventory()}
    assert said["whetstone"] == "2 whetstones: each sharpens your blade (+1 atk)"
    assert said["iron_skin"] == "an iron skin charm: hardens your skin (+1 def)"
    assert said["healing_potion"] == "3 healing potions: each heals 10 hp and a d4"


async def test_the_advisor_key_says_its_pick_in_the_battle_log(tmp_path):
    from model.specialists.registry import Specialists

    deciders = Specialists()  # the bundled advisor, loaded when `a` is first pressed
    app = make_app(tmp_path, deciders=deciders)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        assert isinstance(app.screen, BattleScreen) and "advice" not in deciders.loaded
        battle = app.screen.battle
        for m in battle.living_monsters():  # no blow kills one at once: the advisor is asked (deciders.finisher)
            battle.encounter = battle.encounter.replacing(m.with_(hp=30, max_hp=30))
        await pilot.press("a")
        await settle(pilot)
        said = app.screen.query_one(MessageLog).lines[-1]
        assert said.startswith("The advisor suggests ") and ": key " in said, said
        assert app.game.log[-1] == said  # and in the message history (m)
        assert "advice" in deciders.loaded and not app.screen.battle.turns  # advice only: the player still chooses
        from game.world.deciders import advice

        advised = advice(deciders, app.screen.battle)  # asked again in the turn: the same pick
        await pilot.press(said.rsplit("key ", 1)[1].rstrip("."))  # the key it named does what it said, on whom it said
        await settle(pilot)
        done = app.screen.battle.turns[0].action
        assert (done.ability, done.target) == (advised.ability, advised.target)


async def test_the_advisors_key_acts_on_the_monster_it_names(tmp_path):
    """Advice on a monster other than the target makes it the target, so
    the key it names does what it said (it once struck the old target)."""
    from game.world.dungeon import Monster

    class LastMonster:  # stands in for the advisor: the screen's side of its answer is tested here
        def choose(self, task, encounter, actions, content, plan=None, spent=0):
            last = [m.label for m in encounter.monsters if m.alive][-1]
            return next(a for a in actions if a.ability == "strike" and a.target == last)

    app = make_app(tmp_path, deciders=LastMonster())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        run = app.game
        run.floor.monsters.clear()
        x, y = next((x, y) for x in range(run.floor.width) for y in range(run.floor.height)
                    if all(run.floor.walkable(p) for p in ((x, y), (x + 1, y), (x + 1, y + 1))))
        run.pos = (x, y)
        run.floor.monsters += [Monster(901, "goblin", x + 1, y), Monster(902, "rat", x + 1, y + 1)]
        run.floor.see_from(run.pos)
        await pilot.press("l")  # into the goblin; the rat beside it joins
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BattleScreen) and len(screen.battle.living_monsters()) == 2
        assert screen.target == "m1"
        await pilot.press("a")
        said = screen.query_one(MessageLog).lines[-1]
        assert said == "The advisor suggests strike on the rat (m2), now your target: key 1.", said
        assert screen.target == "m2"
        await pilot.press("1")
        await settle(pilot)
        assert screen.battle.turns[0].action.target == "m2"


async def test_the_advisor_says_when_its_blow_kills(tmp_path):
    """A blow that kills at its least is advised without asking the
    advisor (deciders.finisher), and the line says so."""
    from model.specialists.registry import Specialists

    deciders = Specialists()
    app = make_app(tmp_path, deciders=deciders)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        battle = app.screen.battle
        for m in battle.living_monsters():
            battle.encounter = battle.encounter.replacing(m.with_(hp=1))
        await pilot.press("a")
        said = app.screen.query_one(MessageLog).lines[-1]
        assert ", sure to kill it if it hits" in said and said.startswith("The advisor suggests "), said
        assert "advice" not in deciders.loaded  # not asked: nothing loaded
