"""`pico-rogue play`: the Textual app. It owns the run and the model side and
switches between the screens; the rules of the game live in run.py and
battle.py, the drawing in screens/."""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.reactive import reactive

from . import battle_save, morgue
from .battle import Battle, ModelSide, load_model
from .run import Fight, Run, RunError, forget, suspend, suspended
from .screens.battle import BattleScreen
from .screens.dungeon import DungeonScreen
from .screens.end import ContinueScreen, GameOverScreen
from .screens.help import HelpScreen


class PicoRogueApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "pico-rogue"
    BINDINGS = [Binding("ctrl+q", "suspend", "Save & quit", show=False)]

    trust_model = reactive(False)
    model_label = reactive("model: loading…")

    def __init__(self, seed: int | None = None, trust_model: bool = False, saves: Path | None = None,
                 model_loader: Callable[[], ModelSide] | None = None, turn_pause: float = 0.3):
        super().__init__()
        self.seed = seed
        self.saves = saves
        self.model_loader = model_loader or load_model
        self.model = ModelSide()
        self.turn_pause = turn_pause
        self.game: Run | None = None
        self.battle_file: str | None = None  # where the last battle was saved, for the run's record
        self.seed_label = ""
        self.set_reactive(PicoRogueApp.trust_model, trust_model)

    # --- start ---------------------------------------------------------------

    def on_mount(self) -> None:
        self.load_model()
        data = suspended(self.saves)
        if data:
            try:
                summary = (f"seed {data['seed']}, floor {data['depth']}, level {data['level']}, "
                           f"{data['hp']} hp, {data['kills']} kills")
            except (KeyError, TypeError):
                summary = "(its details are unreadable)"
            self.push_screen(ContinueScreen(summary))
        else:
            self.begin(Run.new(self.fresh_seed()))

    def fresh_seed(self) -> int:
        return self.seed if self.seed is not None else random.randrange(1_000_000)

    def begin(self, run: Run) -> None:
        self.game = run
        self.seed_label = f"seed {run.seed}"
        for screen in self.screen_stack[1:]:
            screen.remove()  # quietly drop the old mode's screens
        self.switch_screen_to(DungeonScreen(run))
        if run.battle:
            run.battle.model = self.model.resolver
            self.push_screen(BattleScreen(run, run.battle))

    def switch_screen_to(self, screen) -> None:
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    @work(thread=True, exclusive=True, group="model")
    def load_model(self) -> None:
        side = self.model_loader()
        self.call_from_thread(self.model_loaded, side)

    def model_loaded(self, side: ModelSide) -> None:
        self.model = side
        if side.ready:
            self.model_label = f"model: {side.detail}"
        else:
            self.model_label = "model: unavailable (the rules play alone)"
            self.notify(f"The model could not be loaded: {side.detail}", severity="warning", timeout=6)
        if self.game and self.game.battle:
            self.game.battle.model = side.resolver

    # --- the run ---------------------------------------------------------------

    def start_battle(self, fight: Fight) -> None:
        battle = self.game.begin_battle(fight, self.model.resolver)
        self.push_screen(BattleScreen(self.game, battle))

    def save_battle(self, battle: Battle) -> str | None:
        data = battle_save.record(battle, seed=self.game.seed, weights=self.model.weights, depth=self.game.depth)
        try:
            path = battle_save.save(data, self.saves, stem=f"battle-s{self.game.seed}-f{self.game.depth}")
        except OSError as exc:
            self.notify(f"could not save the battle: {exc}", severity="error")
            return None
        self.battle_file = str(path.resolve())
        try:
            shown = str(path.relative_to(Path.cwd()))
        except ValueError:
            shown = str(path)
        self.game.say(f"Battle saved to {shown}.")
        return shown

    def end_battle(self) -> None:
        self.game.end_battle(self.battle_file)
        self.battle_file = None
        self.pop_screen()
        if self.game.over:
            forget(self.saves)
            self.push_screen(GameOverScreen(self.game, self.write_morgue()))

    def write_morgue(self) -> str | None:
        """The finished run's record, morgue file and high score."""
        try:
            path = morgue.write(self.game, self.saves, weights=self.model.weights)
        except OSError as exc:
            self.notify(f"could not write the run's record: {exc}", severity="error")
            return None
        shown = path.with_suffix(".txt")
        try:
            shown = shown.relative_to(Path.cwd())
        except ValueError:
            pass
        self.game.say(f"Morgue file: {shown}")
        return str(shown)

    # --- keys that work everywhere --------------------------------------------

    def action_toggle_trust(self) -> None:
        self.trust_model = not self.trust_model
        if self.trust_model and not self.model.ready:
            self.notify("The model is not loaded: the rules decide until it is.", severity="warning")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_suspend(self) -> None:
        """Quit; a run still going is suspended for the next `play`."""
        if self.game and not self.game.over and not self.workers_busy():
            try:
                suspend(self.game, self.saves)
            except OSError as exc:
                self.notify(f"could not save the run: {exc}", severity="error")
                return
        self.exit()

    def workers_busy(self) -> bool:
        return any(w.group == "battle" and w.is_running for w in self.workers)

    def action_quit_now(self) -> None:
        self.exit()

    def action_new_run(self) -> None:
        forget(self.saves)
        self.begin(Run.new(self.fresh_seed() if self.game is None else random.randrange(1_000_000)
                           if self.seed is None or self.game.seed == self.seed else self.seed))

    def action_continue_run(self) -> None:
        data = suspended(self.saves)
        try:
            run = Run.from_dict(data)
        except RunError as exc:
            self.notify(f"cannot continue: {exc}; starting a new run", severity="error")
            forget(self.saves)
            run = Run.new(self.fresh_seed())
        else:
            forget(self.saves)  # a save only suspends: it is gone once continued
            run.say("You continue your run.")
        self.begin(run)


def main(args: argparse.Namespace) -> int:
    weights = args.weights
    app = PicoRogueApp(seed=args.seed, trust_model=args.trust_model, saves=args.saves,
                       model_loader=lambda: load_model(weights))
    app.run()
    return 0
