"""The end of a run (death or victory), and the offer to continue a
suspended run. Both are dismissed with the player's choice, which the app
acts on."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Static

from game.ui.screens.widgets import Banner, DismissOnce
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
    t.append(f"Floor {run.depth} of {run.floors}   level {run.level}   kills {run.kills}   turns {run.moves}\n")
    t.append(f"Battles {run.battles}\n")
    t.append(f"The model ({model_name}) agreed with the rules\non {run.tally} of the turns it was asked\n")
    if run.mistakes:
        t.append(f"Model mistakes that changed the run: {run.mistakes}\n", "magenta")
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

    def __init__(self, summary: str):
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        t = Text(justify="center")
        t.append("A suspended run is waiting\n\n", "bold")
        t.append(self.summary + "\n\n")
        t.append("c: continue it\nn: start a new run (the suspended one is lost)\nq: quit", "bold")
        yield Banner(id="banner")
        with Middle(), Center():
            yield Static(t, id="continue")
        yield Footer(show_command_palette=False)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
