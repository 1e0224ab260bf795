"""What the player sees of the model: a divergence stops the game and says
what changed, trust has stakes and survives a suspend, a stunned hero's turn
passes by itself, every way out keeps the run."""

from __future__ import annotations

from pilot import SIZE, banner, bump_a_monster, make_app, settle
from stand_in import stand_in

from game.combat.encounter import Status
from game.records.run import find_run
from game.ui.screens.battle import BattleScreen
from game.ui.screens.divergence import DivergenceScreen
from game.ui.screens.dungeon import DungeonScreen
from game.ui.screens.widgets import MessageLog
from game.world.battle import MODEL
from game.world.model_side import ModelSide


def suspended(folder):
    """The suspended run's data in `folder`, or None."""
    found = find_run(folder)
    return found.data if found else None



async def fight_until_divergence(pilot) -> None:
    """The hero strikes; the stand-in model errs on the monsters' first turn.
    (The hero's atk is 0, so the first monster lives to take that turn.)"""
    await bump_a_monster(pilot)
    battle = pilot.app.game.battle
    battle.encounter = battle.encounter.replacing(battle.encounter.hero.with_(atk=0))
    await pilot.press("1")
    await settle(pilot)


async def test_a_divergence_stops_the_game_and_says_what_changed(tmp_path):
    app = make_app(tmp_path, model=stand_in())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fight_until_divergence(pilot)
        assert isinstance(app.screen, DivergenceScreen)
        shown = app.screen.query_one("#divergence").render().plain
        turn = app.screen.turn
        m1 = next(line for line in turn.engine.split("\n") if line.startswith("m1 "))
        rules_hp = int(m1.split()[2])
        assert f"the model gave the {app.game.battle.start.get('m1').kind}" in shown
        assert f"{max(1, rules_hp - 10)} hp, the rules {rules_hp}" in shown
        assert "Applied: the rules' state" in shown
        battle = app.game.battle
        turns = len(battle.turns)
        await pilot.pause(0.1)
        assert len(battle.turns) == turns  # it waits for the player
        await pilot.press("x")  # any key goes on
        await settle(pilot)
        assert isinstance(app.screen, BattleScreen)
        log = app.screen.query_one(MessageLog).lines
        assert any(f"the rules {rules_hp} — the rules' state was applied." in line for line in log)
        assert battle.turns[turns - 1].applied == "engine"


async def test_trusting_a_wrong_model_applies_its_state_and_counts_the_mistake(tmp_path):
    app = make_app(tmp_path, model=stand_in(), trust_model=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "MODEL" in banner(app) and "bet +0" in banner(app)
        await fight_until_divergence(pilot)
        assert isinstance(app.screen, DivergenceScreen)
        shown = app.screen.query_one("#divergence").render().plain
        assert "Applied: the model's state" in shown and "Model mistakes that changed this run: 1" in shown
        turn = app.screen.turn
        assert turn.applied == MODEL
        await pilot.press("enter")
        await settle(pilot)
        battle = app.game.battle
        log = app.screen.query_one(MessageLog).lines
        assert any("— the model's state was applied." in line for line in log)
        # the narration tells the state the game went on from: the monster's lost hp
        assert battle.tally.changed == 1
        await pilot.press("q", "q")
        await pilot.pause()
    assert suspended(tmp_path)["trust_model"] is True
    assert suspended(tmp_path)["battle"]["turns"][1]["applied"] == MODEL


async def test_trust_survives_suspend_and_continue(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert app.trust_model
        await pilot.press("q", "q")
        await pilot.pause()
    again = make_app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(again.screen, DungeonScreen)
        assert again.trust_model and "MODEL" in banner(again)


async def test_t_without_a_model_says_why_and_the_rules_stay(tmp_path):
    app = make_app(tmp_path, model=ModelSide(None, "unavailable", "no weights at assets/pico.safetensors"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await pilot.pause()
        assert not app.trust_model and "RULES" in banner(app)
        said = [n.message for n in app._notifications]
        assert any("No model is loaded (no weights at assets/pico.safetensors)" in m and "--weights" in m for m in said)


async def test_a_stunned_hero_turn_passes_by_itself(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        battle = app.screen.battle
        assert battle.hero_to_act
        hero = battle.encounter.hero
        battle.encounter = battle.encounter.replacing(hero.with_(statuses=(Status("stun", 1, 0),)))
        app.screen.next_step()  # as after any turn
        await settle(pilot)
        first = battle.turns[0]
        assert first.actor == "hero" and "You are stunned and lose your turn." in first.lines
        assert battle.over or battle.hero_to_act  # the monsters acted, and it is the player's turn again


async def test_the_palette_quit_and_ctrl_q_keep_the_run(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Save & quit" in commands and "Quit" not in commands
        await app.action_quit()  # what the palette's entry and anything asking the app to quit run
        await pilot.pause()
    assert suspended(tmp_path)["pos"] == list(app.game.pos)

    again = make_app(tmp_path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        moves = again.game.moves
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert suspended(tmp_path)["moves"] == moves


async def test_ctrl_c_says_how_to_leave(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        assert any("Press q to save the run and quit" in n.message for n in app._notifications)


async def test_off_the_stairs_says_where_they_are(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert app.game.depth == 1
        assert app.screen.query_one(MessageLog).lines[-1] == "You have not found the stairs down yet (x explores)."


async def test_the_message_history_holds_every_line(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for n in range(40):
            app.game.say(f"line {n}")
        await pilot.press("m")
        await pilot.pause()
        history = app.screen.query_one(MessageLog)
        assert history.lines[-1] == "line 39" and "You enter the dungeon" in history.lines[0]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, DungeonScreen)


async def test_a_line_said_again_and_again_shows_once_with_a_count(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.game.say("A bat is in sight.")
        for _ in range(5):
            app.game.say("Not with monsters in sight.")
        await pilot.press("m")
        await pilot.pause()
        history = app.screen.query_one(MessageLog)
        assert history.shown[-2:] == ("A bat is in sight.", "Not with monsters in sight. (×5)")
        assert "Not with monsters in sight. (×5)" in visible(app)
        assert visible(app).count("Not with monsters in sight.") == 1
        assert app.game.log[-5:] == ["Not with monsters in sight."] * 5  # the run keeps every line


def visible(app) -> str:
    """The characters the terminal shows now, line by line."""
    update = app.screen._compositor.render_full_update()
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)


async def test_at_80x24_every_combatant_and_action_is_on_screen(tmp_path):
    from game.world import roster

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        battle = app.game.battle
        crowd = roster.encounter(battle.encounter.hero, ["troll", "shaman", "goblin"])
        burning = (Status("poison", 3, 2), Status("burn", 2, 3), Status("regen", 2, 2))
        crowd = crowd.replacing(*(c.with_(statuses=burning) for c in crowd.combatants))
        battle.encounter = battle.start = crowd
        app.screen.show_battle()
        await pilot.pause()
        text = visible(app)
        for who in ("you", "m1 troll", "m2 shaman", "m3 goblin"):
            assert who in text, text
        for n in range(1, 8):
            assert f" {n} " in text, text
        assert "psn 3/2  brn 2/3  rgn 2/2" in text  # statuses too, not only names
        assert "Save & quit" in text.splitlines()[-1]  # the footer, with the way out


async def test_q_on_a_divergence_saves_and_quits(tmp_path):
    app = make_app(tmp_path, model=stand_in())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await fight_until_divergence(pilot)
        assert isinstance(app.screen, DivergenceScreen)
        turns = len(app.game.battle.turns)
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
    assert len(suspended(tmp_path)["battle"]["turns"]) == turns


def test_every_help_line_fits_an_80_column_terminal():
    from rich.text import Text

    from game.ui.screens.help import HELP

    assert max(len(line) for line in Text.from_markup(HELP).plain.splitlines()) <= 72


def test_the_help_names_the_saves_folder_in_use(monkeypatch, tmp_path):
    """It said saves/ wherever the battles went ($PICO_ROGUE_SAVES, the
    default under ~/.local/share)."""
    from pathlib import Path

    from rich.text import Text

    from game.ui.screens.help import help_text

    monkeypatch.setenv("HOME", "/home/nobody-here")  # tmp_path outside it, whatever the machine's HOME
    monkeypatch.setenv("PICO_ROGUE_SAVES", str(tmp_path / "my [runs]"))
    assert f"\n    {tmp_path}/my [runs]\n" in Text.from_markup(help_text()).plain
    assert "\n    ~/elsewhere/saves\n" in help_text(Path.home() / "elsewhere" / "saves")
    assert "\n    saves\n" in help_text(Path("saves"))


async def test_z_zooms_the_comparison_and_back(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is app.screen.query_one("#compare")
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is None


async def test_after_a_failed_flee_the_header_and_the_turn_counter_agree(tmp_path, monkeypatch):
    """A failed try to flee spends a turn: the header said 'Turn 3/3' beside 'turn 4'."""
    from game.ui.screens.compare import turn_of
    from game.world import fight

    monkeypatch.setattr(fight, "flee_odds", lambda *_: fight.FleeOdds(1e-12, None))  # the try fails
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        await pilot.press("5")  # guard: the bat lives to act
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        battle = app.game.battle
        assert battle.flights and not battle.flights[-1][1] and not battle.over
        counter = turn_of(battle.turns[-1].prompt)
        title = str(app.screen.query_one("#compare").border_title)
        assert title.startswith(f"Turn {counter}: rules vs model"), title
        assert f"turn {counter}" in visible(app)
        assert f"({len(battle.turns)} of {len(battle.turns)})" in title


async def test_a_notice_repeated_does_not_stack(tmp_path):
    """Ctrl-C five times (or a greyed key): one notice on screen, not five piled up."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(5):
            await pilot.press("ctrl+c")
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert sum("Press q to save the run" in m for m in shown) == 1, shown


async def test_q_asks_once_and_the_exit_says_where_the_run_went(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
        assert app.is_running and "Save the run and quit?" in visible(app)
        await pilot.press("l")  # anything else: back to the game, and that key does nothing else
        await pilot.pause()
        assert isinstance(app.screen, DungeonScreen) and app.game.moves == 0
        assert suspended(tmp_path) is None and app.farewell is None
        await pilot.press("q", "y")
        await pilot.pause()
    assert not app.is_running and suspended(tmp_path) is not None
    assert "run.json" in app.farewell and "pico-rogue play" in app.farewell


def test_play_says_on_stderr_where_the_run_went(tmp_path, monkeypatch, capsys):
    """The line comes once the screen is gone (the app's run returns)."""
    from cli import main
    from game.ui.app import PicoRogueApp
    from game.world.run import Run

    def quit_at_once(app):
        app.game = Run.new(3)
        app.keep_run()

    monkeypatch.setattr(PicoRogueApp, "run", quit_at_once)
    assert main(["play", "--saves", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "Your run was saved to" in err and "run.json" in err


async def test_healing_at_full_health_is_greyed_in_battle_as_outside(tmp_path):
    """'You drink a healing potion and heal 0 hp': outside battle the potion is
    refused at full health; in battle its option is greyed and says why."""
    app = make_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        run = app.game
        assert run.hp == run.hero_template().max_hp and not run.drink("healing_potion")
        await bump_a_monster(pilot)
        battle = app.game.battle
        hero = battle.encounter.hero
        assert hero.hp == hero.max_hp and battle.potions.get("healing_potion", 0) > 0
        option = next(o for o in battle.options() if o.ability == "quaff_heal")
        assert option.why == "at full health"
        turns = len(battle.turns)
        await pilot.press(option.key)
        await settle(pilot)
        assert len(battle.turns) == turns  # nothing drunk
        assert "at full health" in visible(app)
        # wounded, it is ready again
        battle.encounter = battle.encounter.replacing(hero.with_(hp=hero.max_hp - 5))
        assert next(o for o in battle.options() if o.ability == "quaff_heal").ready


def test_a_small_screens_roster_keeps_dead_over_a_dead_casters_mp():
    from game.combat.content import default
    from game.ui.screens.fighters import render_roster
    from game.world import roster

    enc = roster.encounter(roster.hero_at(1), ["rat", "snake"])
    enc = enc.replacing(enc.get("m2").with_(hp=0))
    lines = render_roster(enc, "m1", default(), compact=True, width=38).plain.splitlines()
    snake = next(line for line in lines if "snake" in line)
    assert snake.rstrip().endswith("dead") and " mp " not in snake
    assert " mp " in render_roster(enc, "m1", default(), compact=False, width=38).plain  # the wide one keeps it


async def test_a_terminal_below_80x24_is_told_once(tmp_path):
    app = make_app(tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        said = [n.message for n in app._notifications]
        assert sum("The terminal is 60x20" in m and "80x24 or more" in m for m in said) == 1, said
    app = make_app(tmp_path / "big")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not any("The terminal is" in n.message for n in app._notifications)


async def test_turns_played_under_the_help_are_in_view_when_it_closes(tmp_path):
    """A play-tester's finding: a turn that ended while the help (or the save
    box, or the history) was open left the battle log scrolled where it was:
    the newest lines, a kill and 'The battle is won.' among them, out of view."""
    from game.ui.screens.help import HelpScreen

    app = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await bump_a_monster(pilot)
        screen = app.screen
        assert isinstance(screen, BattleScreen)
        log = screen.query_one(MessageLog)
        for _ in range(3):  # lines enough to scroll at 80x24
            if screen.battle.over:
                break
            await pilot.press("5")  # guard: the battle goes on
            await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        screen.aside(*(f"line {n} said under the help" for n in range(6)))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen and log.max_scroll_y > 0
        assert log.scroll_y == log.max_scroll_y, (log.scroll_y, log.max_scroll_y)


def test_the_death_screen_says_the_runs_score():
    """It showed only the bet ('Trusting the model: +329 score') where the
    morgue and `runs` said 1924: now the score, and the bet's part of it."""
    from game.ui.screens.end import render_game_over
    from game.world.finish import score
    from game.world.run import Run

    run = Run.new(1)
    run.cause, run.kills = "killed by a rat on floor 1", 3
    run.fights.append({"stakes": 12})  # a battle fought trusting the model: its bet
    shown = render_game_over(run, "pico").plain
    assert f"Score {score(run)}\n" in shown and score(run) == 100 + 30 + run.xp + 12
    assert "of it from trusting the model: +12" in shown
