"""The end of a run (death or victory), and the offer to continue a suspended run."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..run import Run
from .widgets import Banner


class GameOverScreen(Screen):
    BINDINGS = [
        Binding("n", "app.new_run", "New run"),
        Binding("q,escape", "app.quit_now", "Quit"),
        Binding("question_mark", "app.help", "Help"),
    ]

    def __init__(self, run: Run, morgue: str | None = None):
        super().__init__()
        self.run_state = run
        self.morgue = morgue

    def compose(self) -> ComposeResult:
        run = self.run_state
        t = Text(justify="center")
        if run.victory:
            t.append("VICTORY\n\n", "bold bright_yellow")
            t.append("You slew the dragon and conquered the dungeon.\n\n")
        else:
            t.append("YOU DIED\n\n", "bold bright_red")
            t.append(f"{run.cause[0].upper()}{run.cause[1:]}.\n\n")
        t.append(f"Floor {run.depth} of {run.floors}   level {run.level}   kills {run.kills}   turns {run.moves}\n")
        t.append(f"Battles {run.battles}   model and rules agreed on {run.tally} of the turns\n", "")
        t.append(f"Seed {run.seed}\n", "dim")
        if self.morgue:
            t.append(f"Morgue file {self.morgue}  (pico-rogue replay it to step through the battles)\n", "dim")
        t.append("\n")
        t.append("n: new run    q: quit", "bold")
        yield Banner(id="banner")
        with Middle(), Center():
            yield Static(t, id="game-over")
        yield Footer()


class ContinueScreen(Screen):
    BINDINGS = [
        Binding("c,enter", "app.continue_run", "Continue"),
        Binding("n", "app.new_run", "New run"),
        Binding("q,escape", "app.quit_now", "Quit"),
    ]

    def __init__(self, summary: str):
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        t = Text(justify="center")
        t.append("A suspended run is waiting\n\n", "bold")
        t.append(self.summary + "\n\n")
        t.append("c: continue it    n: start a new run (the suspended one is lost)    q: quit", "bold")
        yield Banner(id="banner")
        with Middle(), Center():
            yield Static(t, id="continue")
        yield Footer()
