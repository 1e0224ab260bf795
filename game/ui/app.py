"""`pico-rogue play`: the Textual app. It owns the run and the model side and
switches between the screens; the rules of the game live in run.py and
battle.py, the drawing in screens/.

Screens tell the app what happened with messages (a fight starts, a battle
ends) or by dismissing themselves with a result (the battle, a choice); the
app never reaches into a screen's workings.

Every way out keeps a run that is still going: `q`, Ctrl-Q, the command
palette's quit, the terminal closing (SIGHUP, or the terminal vanishing from
under `make play`, which gets no signal), SIGTERM. Ctrl-C only says how to
leave."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from game.combat.inert import inert
from game.records import atomic, morgue
from game.records import formats as records
from game.ui.screens.battle import TURN_PAUSE, BattleScreen
from game.ui.screens.dungeon import DungeonScreen
from game.ui.screens.end import CONTINUE, NEW, ContinueScreen, GameOverScreen
from game.ui.screens.help import HelpScreen
from game.ui.screens.history import HistoryScreen
from game.world.battle import Battle
from game.world.model_side import ModelSide
from game.world.run import Run, RunError, forget, suspend

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

    def __init__(self, seed: int | None = None, trust_model: bool = False, saves: Path | None = None,
                 model_loader: Callable[[], ModelSide] | None = None, turn_pause: float = TURN_PAUSE,
                 guard_terminal: bool = False):
        super().__init__()
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
        self.waiting: records.Suspended | None = None  # the suspended run offered at start
        self.set_reactive(PicoRogueApp.trust_model, trust_model)

    # --- start ---------------------------------------------------------------

    def on_mount(self) -> None:
        self.load_model()
        if self.guard_terminal:
            self.watch_for_hangup()
        found = records.find_run(self.saves)
        if found and found.damaged:
            kept = f"; it was kept as {found.kept}" if found.kept else ""
            self.say_error(f"The suspended run cannot be continued: {found.damaged}{kept}. A new run starts.")
        if found and found.data:
            self.waiting = found
            self.push_screen(ContinueScreen(found.summary), self.continue_or_not)
        else:
            self.begin(Run.new(self.fresh_seed()))

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
        self.mistakes = run.tally.changed
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(DungeonScreen(run))
        if run.battle:
            run.battle.model = self.model.resolver
            self.push_screen(BattleScreen(run, run.battle, self.turn_pause), self.battle_left)

    @work(thread=True, exclusive=True, group="model")
    def load_model(self) -> None:
        side = self.model_loader()
        self.call_from_thread(self.model_loaded, side)

    def model_loaded(self, side: ModelSide) -> None:
        self.model = side
        self.model_name = inert(side.name, lines=False)  # a weights config names it: anyone's words
        if side.note:  # a pack's content the model was not trained on: it refuses those turns
            self.notify(inert(f"The model: {side.note}. The rules resolve those turns.", lines=False),
                        severity="warning", timeout=8, markup=False)
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
        battle = self.game.begin_battle(message.fight, self.model.resolver)
        self.push_screen(BattleScreen(self.game, battle, self.turn_pause), self.battle_left)

    def on_battle_screen_ended(self, message: BattleScreen.Ended) -> None:
        battle = message.screen.battle
        self.mistakes = self.game.tally.changed + battle.tally.changed
        message.screen.show_saved(self.save_battle(battle))

    def battle_left(self, battle: Battle | None) -> None:
        self.game.end_battle(self.battle_file)
        self.battle_file = None
        self.mistakes = self.game.tally.changed
        if self.game.over:
            forget(self.saves)
            self.push_screen(GameOverScreen(self.game, self.model_name, self.write_morgue()), self.game_over_choice)

    def write_morgue(self) -> str | None:
        """The finished run's record, morgue file and high score."""
        try:
            path = morgue.write(self.game, self.saves, weights=self.model.weights)
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
        data = records.battle_record(battle, seed=self.game.seed, weights=self.model.weights, depth=self.game.depth)
        try:
            path = records.save_battle(data, self.saves, stem=f"battle-s{self.game.seed}-f{self.game.depth}")
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

    def new_run(self) -> None:
        forget(self.saves)
        seed = self.fresh_seed() if self.game is None or self.seed is None or self.game.seed != self.seed else None
        self.begin(Run.new(seed if seed is not None else random.randrange(1_000_000)))

    def continue_run(self) -> None:
        data = self.waiting.data if self.waiting else None
        self.waiting = None
        if data is None:
            self.begin(Run.new(self.fresh_seed()))
            return
        try:
            run = Run.from_dict(data)
        except RunError as exc:
            kept = atomic.move_aside(records.run_path(self.saves), "run-damaged")  # never lost: kept aside
            self.say_error(f"cannot continue: {exc}; it was kept as {kept}. A new run starts.")
            self.begin(Run.new(self.fresh_seed()))
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
            self.notify(f"The model ({self.model_name}) is in charge: its next states drive combat, "
                        "mistakes and all. Kills give 1.5x xp.", timeout=4)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_messages(self) -> None:
        if self.game and not isinstance(self.screen, HistoryScreen):
            self.push_screen(HistoryScreen(tuple(self.game.log)))

    def action_help_quit(self) -> None:
        self.notify("Press q to save the run and quit (Ctrl-Q too); `pico-rogue play` continues it.",
                    title="Leaving?", timeout=5)

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
                suspend(self.game, self.saves)
            except OSError as exc:
                self.say_error(f"could not save the run: {exc}")
                return False
        self.kept = True
        return True

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
