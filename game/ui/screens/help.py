"""The help screen: every key, and what the screen is showing."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from game.records.files import saves_home
from game.ui.screens.widgets import DismissOnce

# Lines stay under 72 columns: the box fits an 80-column terminal.
HELP = """\
[b]Moving[/b]     arrows, hjkl, yubn (diagonals), numpad 1-9
[b]Fight[/b]      walk into a monster: it and the monsters beside it
           (1-3) fight you
[b]Wait[/b]       . or 5          [b]Rest[/b]  R (until healed)
[b]Explore[/b]    x (stops when a monster shows)
[b]Stairs[/b]     > descends on the stairs, or walks to them once seen
[b]Items[/b]      walk over them: potions are carried, charms raise
           your stats at once
[b]Inventory[/b]  i: what you carry; a letter drinks that potion now
[b]Messages[/b]   m: the whole message history, scrollable
[b]Examine[/b]    ; the monsters in sight: abilities, hp, statuses,
           awake or not (; or Tab: next; Esc closes)
[b]Statuses[/b]   outlast a battle: one tick a move, shown on the
           status line; a damage tick outside battle stops at 1 hp

[b]In battle[/b]
  1-7      your actions (greyed ones say why: cooldown, mp, no potion);
           pressed while a turn plays, the last key (or f) waits for
           your next turn
  Tab      change the target
  f        flee: its line says the chance (less with more monsters,
           none from the dragon) and the price: on a success the
           monster that hits hardest strikes once, you step back,
           and the monsters keep their wounds, statuses and
           cooldowns; a failed try gives the monsters their turns
           (your statuses and cooldowns wait: a try is no turn of
           the rules, so no tick)
  ;        examine the monsters, then you: every ability in full
  a        the advisor's pick for this turn (a specialist; you choose)
  r        the raw template: the prompt and both next-state texts
  z        zoom the comparison to the whole screen (z again: back)
  [ ]      earlier turns of this battle
  Enter    leave a finished battle
  Dice     a blow rolls a d20: 1-3 miss (15 %), 20 is a critical
           hit that passes the target's defence; damage is the
           ability's base (+ atk) + d4 - defence - guard, at least 1
  psn 3/2  small screens' short for poisoned, 3 turns left, 2 hp a
           turn; brn burning, rgn regenerating, grd guard, stn 1
           stunned for a turn
  A stunned hero's turn passes by itself.

[b]The model[/b]
  Every turn the rules engine and the pico model both resolve it.
  Their next states are shown side by side; every field where they
  differ is lit (yellow on the rules' side, red on the model's).
  When they differ the game stops and says what differs, in words,
  and whose state it went on from; any key goes on.
  t        trust the model: its next state drives the game, mistakes
           and all. You bet score on it: +1 a turn it gets right, +5
           when it was close to wrong (under 90 % sure), -10 a turn it
           gets wrong (its state stands). Never power: no xp, no hp.
           The banner shows the bet's score and the mistakes that
           changed the run. When its answer is unusable the rules
           decide that turn.
  The banner shows who is in charge (RULES or MODEL) and which
  model is loaded.

[b]Saving[/b]
  q        save the run and quit (asks: q or y again); the next
           `pico-rogue play` offers to continue. Closing the
           terminal saves too.
  Ctrl-C   says how to leave (q)
  Every battle is written to the saves folder when it ends:
    {saves}
  replay one with `pico-rogue replay <that folder>/<file>.json`.
  Death is permanent.

[b]?[/b] or Esc closes this help; ↑↓ PgUp PgDn scroll it."""


def help_text(saves: Path | None = None) -> str:
    """HELP with the game's own saves folder (the home folder as ~)."""
    saves = saves or saves_home()
    folder, home = str(saves), str(Path.home())
    if saves.is_absolute() and folder.startswith(home + "/"):
        folder = "~" + folder[len(home):]
    return HELP.replace("{saves}", escape(folder))


class HelpScreen(DismissOnce, ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close"),
        Binding("up,k", "scroll(-1)", "Up", show=False),
        Binding("down,j", "scroll(1)", "Down", show=False),
        Binding("pageup", "scroll(-10)", "Page up", show=False),
        Binding("pagedown,space", "scroll(10)", "Page down", show=False),
    ]

    def __init__(self, saves: Path | None = None):
        super().__init__()
        self.saves = saves  # where the battles go: $PICO_ROGUE_SAVES, --saves, or the default

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text.from_markup(help_text(self.saves)), id="help")

    def on_mount(self) -> None:
        box = self.query_one("#help-box")
        box.border_title = "Help"
        box.border_subtitle = "↑↓ PgUp PgDn scroll · Esc closes"

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help-box").scroll_relative(y=lines, animate=False)
