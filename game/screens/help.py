"""The help screen: every key, and what the screen is showing."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]Moving[/b]      arrows, hjkl, yubn (diagonals), numpad 1-9
[b]Fight[/b]       walk into a monster: it and the monsters beside it (1-3) fight you
[b]Wait[/b]        . or 5        [b]Rest[/b]  R (until healed)        [b]Explore[/b]   x (stops when a monster shows)
[b]Stairs[/b]      > descends on the stairs, or walks to them once you have seen them
[b]Items[/b]       walk over them: potions are carried, charms raise your stats at once
[b]Inventory[/b]   i: what you carry; a letter drinks that potion now

[b]In battle[/b]
  1-7        your actions (greyed ones say why: cooldown, mp, no potion)
  Tab        change the target
  f          flee: a chance (less with more monsters, none from the dragon);
             a failed try gives the monsters their turns
  r          show the raw template: the prompt and both next-state texts
  [ ]        look at earlier turns of this battle
  Enter      leave a finished battle

[b]The model[/b]
  Every turn the rules engine and the pico model both resolve it. Their next
  states are shown side by side; every field where they differ is lit
  (yellow on the rules' side, red on the model's).
  t          trust the model: its next state drives the game. When its answer
             is unusable the rules decide that turn, and the log says so.
  The banner shows who is in charge: RULES or MODEL.

[b]Saving[/b]
  q          save the run and quit; the next `pico-rogue play` offers to continue
  Every battle is written to saves/ when it ends; replay it with
  `pico-rogue replay saves/<file>.json`.
  Death is permanent.

[b]?[/b] or Esc closes this help."""


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text.from_markup(HELP), id="help")

    def on_mount(self) -> None:
        self.query_one("#help-box").border_title = "Help"
