"""The end of a run (death or victory), and the offer to continue a
suspended run. Both are dismissed with the player's choice, which the app
acts on."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Static

from game.ui.screens.widgets import Banner, DismissOnce
from game.world.finish import score
from game.world.run import Run

NEW, CONTINUE, QUIT = "new", "continue", "quit"


def render_game_over(run: Run, model_name: str, morgue: str | None = None) -> Text:
    t = Text(justify="center")
    if run.victory:
        t.append("VICTORY\n\n", "bold bright_yellow")
        t.append("You slew the dragon and conquered the dungeon.\n\n")
    else:
        t.append("YOU DIED\n\n", "bold bright_red")
        t.append(f"{run.cause[0].upper()}{run.cause[1:]}.\n\n")
    t.append(f"A level {run.level} {run.hero_class}   floor {run.depth} of {run.floors}   kills {run.kills}   "
             f"turns {run.moves}\n")
    t.append(f"Battles {run.battles}\n")
    if run.tally.asked:  # the morgue's figure too (Tally's words): the same turns, the same rounding
        t.append(f"The model ({model_name}) agreed with the rules\non {run.tally} of the turns it was asked\n")
    else:
        t.append(f"The model ({model_name}) was never asked\n")
    if run.mistakes:
        t.append(f"Model mistakes that changed the run: {run.mistakes}\n", "magenta")
    t.append(f"Score {score(run)}\n", "bold")  # the runs table's and the morgue's: the bet alone read as it
    if run.stakes:
        t.append(f"of it from trusting the model: {run.stakes:+d}\n", "magenta")
    t.append(f"Seed {run.seed}\n", "dim")
    if morgue:
        t.append(f"Morgue file {morgue}\n(pico-rogue replay it to step through the battles)\n", "dim")
    t.append("\nn: new run    q: quit", "bold")
    return t


class GameOverScreen(DismissOnce, Screen[str]):
    BINDINGS = [
        Binding("n", "choose('new')", "New run"),
        Binding("q,escape", "choose('quit')", "Quit"),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(self, run: Run, model_name: str, morgue: str | None = None):
        super().__init__()
        self.run_state = run
        self.model_name = model_name
        self.morgue = morgue

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        with Middle(), Center():
            yield Static(render_game_over(self.run_state, self.model_name, self.morgue), id="game-over")
        yield Footer(show_command_palette=False)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class ContinueScreen(DismissOnce, Screen[str]):
    BINDINGS = [
        Binding("c,enter", "choose('continue')", "Continue"),
        Binding("n", "choose('new')", "New run"),
        Binding("q,escape", "choose('quit')", "Quit"),
    ]

    def __init__(self, summary: str, new_seed: int | None = None):
        super().__init__()
        self.summary = summary
        self.new_seed = new_seed  # `play --seed S`: the seed a new run would have, said (continuing keeps the run's)

    def compose(self) -> ComposeResult:
        t = Text(justify="center")
        t.append("A suspended run is waiting\n\n", "bold")
        t.append(self.summary + "\n\n")
        seed = f"of seed {self.new_seed}; " if self.new_seed is not None else ""
        t.append(f"c: continue it\nn: start a new run ({seed}the suspended one is lost)\nq: quit", "bold")
        yield Banner(id="banner")
        with Middle(), Center():
            yield Static(t, id="continue")
        yield Footer(show_command_palette=False)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)


class ConfirmQuitScreen(DismissOnce, ModalScreen[bool]):
    """`q` asks once before the run is saved and the game ends: `q` again
    (held, it quits at the second press) or `y` says yes; any other key or a
    click goes back to the game."""

    # as bindings too, not only on_key: a burst's second q can arrive before
    # anything on this screen has focus, and bindings are checked on the screen itself
    BINDINGS = [Binding("q,y", "answer(True)", "Save & quit", show=False)]

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def compose(self) -> ComposeResult:
        t = Text(justify="center")
        t.append("Save the run and quit?\n\n", "bold")
        t.append("`pico-rogue play` continues it.\n\n")
        t.append("q or y: save and quit    any other key: back to the game", "bold")
        yield Static(t, id="confirm-quit")

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.dismiss(event.key in ("q", "y"))

    def on_click(self) -> None:
        self.dismiss(False)
