"""`pico-rogue play`: the Textual app. It owns the run and the model side and
switches between the screens; the rules of the game live in run.py and
battle.py, the drawing in screens/.

Screens tell the app what happened with messages (a fight starts, a battle
ends) or by dismissing themselves with a result (the battle, a choice); the
app never reaches into a screen's workings.

Every way out keeps a run that is still going: `q`, Ctrl-Q, the command
palette's quit, the terminal closing (SIGHUP, or the terminal vanishing from
under `make play`, which gets no signal), SIGTERM. Ctrl-C only says how to
leave. So does an error of the game's own: the app catches it at the top,
keeps the run, writes a crash report beside the saves and exits with status
70 (`crashed` says what happened; the command line tells the player).

The run decides, the screens follow: a battle begins in the run the moment
the hero bumps a monster, and the app only shows it. Keys come in bursts, and
every step here is once-only (a battle shown, saved, ended), so no burst can
play one fight twice or end one twice."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import Notify
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import WorkerFailed

from game.combat.content import default
from game.combat.inert import inert
from game.records import atomic
from game.records.battle import save_battle
from game.records.run import Suspended, find_run, run_path
from game.ui import crash
from game.ui.screens.battle import TURN_PAUSE, BattleScreen
from game.ui.screens.classes import ClassScreen
from game.ui.screens.dungeon import DungeonScreen
from game.ui.screens.end import CONTINUE, NEW, ConfirmQuitScreen, ContinueScreen, GameOverScreen
from game.ui.screens.help import HelpScreen
from game.ui.screens.history import HistoryScreen
from game.world import finish
from game.world.battle import Battle, battle_record
from game.world.deciders import Deciders, learned_monsters
from game.world.model_side import ModelSide
from game.world.run import Run, RunError, forget, suspend

MIN_SIZE = (80, 24)  # the smallest terminal every screen is laid out for (app.tcss)
# how often the app checks that its terminal is still there (seconds)
TERMINAL_CHECK = 1.0


class PicoRogueApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "pico-rogue"
    BINDINGS = [
        Binding("ctrl+q", "suspend", "Save & quit", show=False, priority=True),
        Binding("ctrl+c", "help_quit", show=False, system=True),
    ]

    trust_model = reactive(False)
    model_name = reactive("loading…")
    seed_label = reactive("")
    mistakes = reactive(0)
    stakes = reactive(0)  # score won or lost by trusting the model this run

    def __init__(self, seed: int | None = None, trust_model: bool = False, saves: Path | None = None,
                 model_loader: Callable[[], ModelSide] | None = None, turn_pause: float = TURN_PAUSE,
                 guard_terminal: bool = False, deciders: Deciders | None = None, hero_class: str | None = None):
        super().__init__()
        self.hero_class = hero_class  # the class every new run plays; None: asked when a run begins
        # the specialists (advisor, tactician): nothing of them loads until a key or a monster asks
        self.deciders = deciders
        self.seed = seed
        self.saves = saves
        # the command line hands in the model's loader; without one the rules play alone
        self.model_loader = model_loader or (lambda: ModelSide(None, "unavailable", "no model was given"))
        self.model = ModelSide()
        self.turn_pause = turn_pause
        self.guard_terminal = guard_terminal
        self.game: Run | None = None
        self.battle_file: str | None = None  # where the last battle was saved, for the run's record
        self.kept = False  # the run was saved on the way out
        self.farewell: str | None = None  # where it was saved: the command line says so once the screen is gone
        self.waiting: Suspended | None = None  # the suspended run offered at start
        self.crashed: crash.Crash | None = None  # the game's own error that ended the app, if one did
        self._told_small = False  # the terminal is below MIN_SIZE and the player was told
        self.set_reactive(PicoRogueApp.trust_model, trust_model)

    # --- start ---------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        """Below 80x24 some numbers are cut: said once each time it gets that small."""
        small = event.size.width < MIN_SIZE[0] or event.size.height < MIN_SIZE[1]
        if small and not self._told_small:
            self.notify(f"The terminal is {event.size.width}x{event.size.height}: the game is laid out for "
                        f"{MIN_SIZE[0]}x{MIN_SIZE[1]} or more, and some numbers are cut.", severity="warning", timeout=6)
        self._told_small = small

    def on_mount(self) -> None:
        self.load_model()
        if self.guard_terminal:
            self.watch_for_hangup()
        found = find_run(self.saves)
        if found and found.damaged:
            kept = f"; it was kept as {found.kept}" if found.kept else ""
            self.say_error(f"The suspended run cannot be continued: {found.damaged}{kept}. A new run starts.")
        if found and found.data:
            self.waiting = found
            self.push_screen(ContinueScreen(found.summary, self.seed), self.continue_or_not)
        else:
            self.start(self.fresh_seed())

    def say_error(self, text: str) -> None:
        """A notification of text that may hold a path or a file's words: inert, no markup."""
        self.notify(inert(text), severity="error", timeout=10, markup=False)

    def fresh_seed(self) -> int:
        return self.seed if self.seed is not None else random.randrange(1_000_000)

    def begin(self, run: Run, continued: bool = False) -> None:
        self.game = run
        if continued:
            self.trust_model = run.trust
        run.trust = self.trust_model
        self.seed_label = f"seed {run.seed}"
        self.mistakes = run.mistakes
        self.stakes = run.stakes
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(DungeonScreen(run))
        if run.battle:
            self.show_battle(run.battle)

    @work(thread=True, exclusive=True, group="model")
    def load_model(self) -> None:
        side = self.model_loader()
        self.call_from_thread(self.model_loaded, side)

    def model_loaded(self, side: ModelSide) -> None:
        self.model = side
        self.model_name = inert(side.name, lines=False)  # a weights config names it: anyone's words
        if side.note:  # a pack's content: the model refuses what it was not trained on, or reads it all (v4)
            refuses = "refuses" in side.note
            after = " The rules resolve those turns." if refuses else ""
            self.notify(inert(f"The model: {side.note}.{after}", lines=False),
                        severity="warning" if refuses else "information", timeout=8, markup=False)
        if not side.ready:
            self.notify(inert(f"The model could not be loaded: {side.detail}. The rules play alone."),
                        severity="warning", timeout=6, markup=False)
            if self.trust_model:
                self.trust_model = False
        if self.game and self.game.battle:
            self.game.battle.model = side.resolver

    def watch_trust_model(self, trust: bool) -> None:
        if self.game:
            self.game.trust = trust

    # --- what the screens report -----------------------------------------------

    def on_dungeon_screen_fight_started(self, message: DungeonScreen.FightStarted) -> None:
        self.show_battle(message.battle)  # the run began it when the hero bumped

    def show_battle(self, battle: Battle) -> None:
        """The run's battle on screen, with the model to ask; once."""
        if self.game is None or battle is not self.game.battle:
            return  # a battle of a run since left behind
        if any(isinstance(s, BattleScreen) and s.battle is battle for s in self.screen_stack):
            return
        battle.model = self.model.resolver
        if self.deciders is not None:
            battle.tactician = learned_monsters(self.deciders)
        self.push_screen(BattleScreen(self.game, battle, self.turn_pause), self.battle_left)

    def on_battle_screen_ended(self, message: BattleScreen.Ended) -> None:
        battle = message.screen.battle
        if battle is not self.game.battle:
            return
        self.mistakes = self.game.mistakes
        message.screen.show_saved(self.save_battle(battle))

    def battle_left(self, battle: Battle | None) -> None:
        if battle is None or battle is not self.game.battle:
            return  # ended already: a battle is carried into the run once
        self.game.end_battle(self.battle_file)
        self.battle_file = None
        self.mistakes = self.game.mistakes
        self.stakes = self.game.stakes
        if self.game.over:
            forget(self.saves)
            self.push_screen(GameOverScreen(self.game, self.model_name, self.write_morgue()), self.game_over_choice)

    def write_morgue(self) -> str | None:
        """The finished run's record, morgue file and high score."""
        try:
            path = finish.write(self.game, self.saves, weights=self.model.weights)
        except OSError as exc:
            self.say_error(f"could not write the run's record: {exc}")
            return None
        shown = path.with_suffix(".txt")
        try:
            shown = shown.relative_to(Path.cwd())
        except ValueError:
            pass
        self.game.say(f"Morgue file: {shown}")
        return str(shown)

    def continue_or_not(self, choice: str | None) -> None:
        if choice == CONTINUE:
            self.continue_run()
        elif choice == NEW:
            self.new_run()
        else:
            self.exit()

    def game_over_choice(self, choice: str | None) -> None:
        if choice == NEW:
            self.new_run()
        else:
            self.exit()

    def save_battle(self, battle: Battle) -> str | None:
        data = battle_record(battle, seed=self.game.seed, weights=self.model.weights, depth=self.game.depth)
        try:
            path = save_battle(data, self.saves, stem=f"battle-s{self.game.seed}-f{self.game.depth}")
        except OSError as exc:
            self.say_error(f"could not save the battle: {exc}")
            return None
        self.battle_file = str(path.resolve())
        try:
            shown = str(path.relative_to(Path.cwd()))
        except ValueError:
            shown = str(path)
        self.game.say(f"Battle saved to {shown}.")
        return shown

    def start(self, seed: int) -> None:
        """A new run of `seed`; its hero's class asked first when the content offers a choice."""
        content = default()
        if self.hero_class is not None or len(content.classes) <= 1:
            self.begin(Run.new(seed, hero_class=self.hero_class))
            return
        self.game = None  # nothing to keep until the class is chosen (q here just quits)
        self.seed_label = f"seed {seed}"

        def chosen(name: str | None) -> None:
            if name is None:
                self.exit()
            else:
                self.begin(Run.new(seed, hero_class=name))

        self.push_screen(ClassScreen(content), chosen)

    def new_run(self) -> None:
        forget(self.saves)
        seed = self.fresh_seed() if self.game is None or self.seed is None or self.game.seed != self.seed else None
        self.start(seed if seed is not None else random.randrange(1_000_000))

    def continue_run(self) -> None:
        data = self.waiting.data if self.waiting else None
        self.waiting = None
        if data is None:
            self.start(self.fresh_seed())
            return
        try:
            run = Run.from_dict(data)
        except RunError as exc:
            kept = atomic.move_aside(run_path(self.saves), "run-damaged")  # never lost: kept aside
            self.say_error(f"cannot continue: {exc}; it was kept as {kept}. A new run starts.")
            self.start(self.fresh_seed())
            return
        forget(self.saves)  # a save only suspends: it is gone once continued
        run.say("You continue your run.")
        self.begin(run, continued=True)

    # --- keys that work everywhere --------------------------------------------

    def action_toggle_trust(self) -> None:
        if self.model.status == "unavailable":
            self.notify(f"No model is loaded ({self.model.detail}), so the rules decide every turn. "
                        "Start with --weights FILE to play with one.", severity="warning", timeout=6)
            return
        self.trust_model = not self.trust_model
        if self.trust_model and not self.model.ready:
            self.notify("The model is still loading: the rules decide until it is ready.", severity="warning")
        elif self.trust_model:
            # short: at 80x24 a toast covers the messages and the status lines while it shows
            self.notify(f"{self.model_name} drives combat: +1 a right turn, +5 a close call, -10 a wrong one.",
                        timeout=5)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.saves))

    def action_messages(self) -> None:
        if self.game and not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen(tuple(self.game.log)))

    def action_help_quit(self) -> None:
        self.notify("Press q to save the run and quit (Ctrl-Q too); `pico-rogue play` continues it.",
                    title="Leaving?", timeout=5)

    def action_ask_quit(self) -> None:
        """`q`: one keypress from losing the screen is too easy, so it asks
        first (Ctrl-Q and the palette's quit do not: they are asked for by name)."""
        if isinstance(self.screen, ConfirmQuitScreen):
            # a second q of a burst, routed to the screen beneath before the
            # question had focus: it is the confirming q all the same
            self.screen.dismiss(True)
            return
        self.push_screen(ConfirmQuitScreen(), self.quit_answered)

    def quit_answered(self, yes: bool | None) -> None:
        if yes:
            self.action_suspend()

    def on_notify(self, event: Notify) -> None:
        """The same notice again replaces the one still shown instead of
        stacking another over the screen (a greyed key pressed five times
        once piled five toasts over the action list). Runs before Textual's
        own handler adds the new one; `_notifications` and `_unnotify` are
        Textual's (pinned ~=8.2), the tests read the former too."""
        new = event.notification
        for shown in list(self._notifications):
            if (shown.message, shown.title, shown.severity) == (new.message, new.title, new.severity):
                self._unnotify(shown, refresh=False)

    def action_suspend(self) -> None:
        """Save a run still going (for the next `play`) and quit."""
        if not self.keep_run():
            return
        self.exit()

    async def action_quit(self) -> None:  # the command palette's quit, and anything else that asks
        self.action_suspend()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Quit":
                yield SystemCommand("Save & quit", "Save the run (continue it with the next `play`) and quit",
                                    self.action_suspend)
            else:
                yield command

    def keep_run(self) -> bool:
        """Suspend the run if it is still going; False (and says why) if it could not be saved."""
        if self.game and not self.game.over:
            try:
                path = suspend(self.game, self.saves)
            except OSError as exc:
                self.say_error(f"could not save the run: {exc}")
                return False
            self.farewell = f"Your run was saved to {shown_path(path)}; `pico-rogue play` continues it."
        self.kept = True
        return True

    # --- the game's own errors ----------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """Textual's one door for every exception a handler, timer, worker or
        screen lets out; its own answer is a traceback with locals on the
        player's screen and status 1. Ours: keep the run, write a report,
        exit with status 70, and leave the one line to the command line.

        The method is Textual's private hook, but the only place every
        failure passes (message pumps, timers, workers, compose and mount
        all call it): wrapping our handlers one by one would miss the rest.
        textual is pinned (~=8.2) and test_crash checks that a failure still
        arrives here; should a later Textual stop calling it, its own
        traceback and status 1 come back, and `play` still keeps the run."""
        if self.crashed is not None:
            return  # a further error on the way out: the first one is the story, and the exit is under way
        if os.environ.get("PICO_DEBUG"):
            super()._handle_exception(error)  # a developer asked for Textual's traceback
            return
        try:
            self.crashed = self.record_crash(error)
        except Exception:  # noqa: BLE001 - the report failing must not hide the error itself
            super()._handle_exception(error)
            return
        self.exit(return_code=crash.EXIT_STATUS)

    def record_crash(self, error: BaseException) -> crash.Crash:
        """Keep the run and write the report: each tried whatever the other does."""
        if isinstance(error, WorkerFailed) and error.error is not None:
            error = error.error  # the worker's own exception, with its traceback
        run = self.game
        if run is None:
            kept = "no run had begun"
        elif run.over:
            kept = "the run had ended"
        else:
            try:  # keep_run's work, but the reason it failed goes in the report and the line
                suspend(run, self.saves)
                self.kept = True
                kept = "the run was saved"
            except Exception as exc:  # noqa: BLE001 - a full disk, or a run the error left half-changed
                kept = f"the run could not be saved ({crash.describe(exc)})"
        facts: dict[str, object] = {"screens": " > ".join(type(s).__name__ for s in self.screen_stack)}
        if run is not None:
            facts |= {"seed": run.seed, "floor": run.depth, "moves": run.moves, "battles": run.battles,
                      "in battle": run.battle is not None, "trust model": self.trust_model}
        facts |= {"model": self.model_name, "kept": kept}
        found = crash.Crash(crash.describe(error), kept)
        try:
            found.report = crash.write_report(run_path(self.saves).parent, error, facts,
                                              run.log if run is not None else ())
        except Exception as exc:  # noqa: BLE001 - a full disk, a folder gone: say so in the one line
            found.unwritten = crash.describe(exc)
        return found

    # --- a terminal that goes away ---------------------------------------------

    def watch_for_hangup(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            loop.add_signal_handler(sig, self.hang_up)
        if sys.__stdin__ is not None and os.isatty(sys.__stdin__.fileno()):
            self.set_interval(TERMINAL_CHECK, self.check_terminal)

    def check_terminal(self) -> None:
        # under `make play` a closed terminal sends no signal to the game: its tty just goes dead
        if not os.isatty(sys.__stdin__.fileno()):
            self.hang_up()

    def hang_up(self) -> None:
        """The terminal is gone (or we were told to stop): keep the run, end the process."""
        self.keep_run()
        self.exit(return_code=129)


def shown_path(path: Path) -> str:
    """A path as the player reads it: relative to where they are, when it is below."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
