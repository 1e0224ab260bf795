"""The examine box: one monster at a time in words (what it is, how hurt,
its statuses, every ability with its numbers, whether it has noticed
you); `;` or Tab goes on to the next one in sight. The words are the
world's (game/world/examine.py); this only draws them."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.widgets import Static

from game.ui.screens.widgets import DismissOnce
from game.world.examine import Sighting


def render_sighting(sighting: Sighting) -> Text:
    t = Text()
    first, *rest = sighting.lines
    t.append(first + "\n", "bold")
    for line in rest:
        # an ability's name before its colon stands out; a wrapped line hangs under it
        head, colon, tail = line.partition(": ")
        if colon and " " not in head.strip():
            t.append(head, "bold cyan")
            t.append(colon + tail + "\n")
        else:
            t.append(line + "\n")
    t.rstrip()
    return t


class ExamineScreen(DismissOnce, ModalScreen[None]):
    """What is in sight, one at a time."""

    BINDINGS = [
        Binding("semicolon,tab,right,space", "cycle(1)", "Next"),
        Binding("shift+tab,left,h", "cycle(-1)", "Previous", show=False),
        Binding("escape,q,enter", "dismiss", "Close"),
        Binding("up,k", "scroll(-1)", "Up", show=False),
        Binding("down,j", "scroll(1)", "Down", show=False),
    ]

    shown = reactive(0)

    def __init__(self, sightings: list[Sighting]):
        super().__init__()
        self.sightings = sightings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="examine-box"):
            yield Static(id="examine")

    def on_mount(self) -> None:
        self.show()

    def watch_shown(self) -> None:
        if self.is_mounted:
            self.show()

    def show(self) -> None:
        box = self.query_one("#examine-box")
        n = len(self.sightings)
        box.border_subtitle = ("; Tab next · " if n > 1 else "") + "Esc closes"
        if not n:
            box.border_title = "Examine"
            self.query_one("#examine", Static).update(Text("Nothing in sight to examine.", "dim"))
            return
        sighting = self.sightings[self.shown % n]
        box.border_title = f"Examine: {sighting.name}" + (f" ({self.shown % n + 1} of {n})" if n > 1 else "")
        self.query_one("#examine", Static).update(render_sighting(sighting))

    def action_cycle(self, step: int) -> None:
        if self.sightings:
            self.shown = (self.shown + step) % len(self.sightings)

    def action_scroll(self, lines: int) -> None:
        self.query_one("#examine-box").scroll_relative(y=lines, animate=False)
