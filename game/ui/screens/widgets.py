"""Pieces every screen uses: the banner that says who is in charge, the
message log, hp bars and the colours of monster kinds.

Each widget owns its state as `reactive` attributes and draws itself from
them; a screen only hands it new values."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from game.combat.encounter import Combatant


class DismissOnce:
    """A screen mixin: the screen is dismissed once, and only while it is on top.

    Keys typed in a burst are each queued for the screen on top when they
    arrive, so several can reach one screen; the first dismisses it, and
    Textual's `dismiss` pops whatever screen is on top by then. A second
    would call this screen's callback again and close the screen beneath
    (a battle, unfinished). Later dismissals are dropped."""

    dismissed = False

    def dismiss(self, result=None) -> AwaitComplete:
        if self.dismissed or self.app.screen is not self:
            return AwaitComplete.nothing()
        self.dismissed = True
        return super().dismiss(result)


KIND_STYLES = {
    "rat": "yellow", "bat": "magenta", "snake": "green", "goblin": "bright_green", "skeleton": "white",
    "orc": "red", "shaman": "cyan", "troll": "bright_red", "wraith": "bright_magenta", "dragon": "bold bright_red",
}


class Banner(Static):
    """The top line: who is in charge (RULES or MODEL), the stakes of trusting
    the model, which model is loaded, the seed. It follows the app's state."""

    trust = reactive(False)
    model = reactive("")
    seed = reactive("")
    mistakes = reactive(0)
    stakes = reactive(0)

    def on_mount(self) -> None:
        follow = {"trust_model": "trust", "model_name": "model", "seed_label": "seed", "mistakes": "mistakes",
                  "stakes": "stakes"}
        for theirs, mine in follow.items():
            self.watch(self.app, theirs, self._follower(mine))

    def _follower(self, mine: str):
        def follow(value) -> None:
            setattr(self, mine, value)
        return follow

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(" pico-rogue ", "bold reverse")
        t.append("  in charge: ")
        if self.trust:
            t.append(" MODEL ", "bold white on magenta")
            t.append(f" bet {self.stakes:+d}", "magenta")
        else:
            t.append(" RULES ", "bold black on green")
        if self.mistakes:
            t.append(f"  model mistakes applied: {self.mistakes}", "bold magenta")
        if self.model == "unavailable":
            t.append("   model: unavailable (the rules play alone)", "dim")
        else:
            t.append(f"   model: {self.model}", "dim" if self.model == "loading…" else "")
        if self.seed:
            t.append(f"   {self.seed}", "dim")
        return t

    @property
    def text(self) -> Text:
        """What the banner shows now (tests read it as a player would)."""
        return self.render()


class MessageLog(VerticalScroll):
    """The message log: every line of the run so far, the newest always in
    view at the bottom; scroll up (wheel, or the history screen) for the rest.
    Lines wrap under their own text, never to the panel's first column. A line
    said again at once is shown once with a count, so a pressed key that keeps
    failing does not push the rest of the log out of view."""

    lines: reactive[tuple[str, ...]] = reactive((), always_update=True)

    def compose(self) -> ComposeResult:
        yield Static(classes="log-lines")

    def watch_lines(self, lines: tuple[str, ...]) -> None:
        table = Table.grid(expand=True)
        table.add_column(width=2, style="dim")
        table.add_column(ratio=1)
        shown = collapsed(lines)
        for n, line in enumerate(shown):
            newest = n == len(shown) - 1
            table.add_row("›" if newest else "·", Text(line, "bold" if newest else ""))
        if not self.is_mounted:
            return
        self.query_one(".log-lines", Static).update(table)
        self.newest()

    def on_mount(self) -> None:
        self.watch_lines(self.lines)

    def on_resize(self) -> None:  # a resized terminal rewraps the lines: the newest back into view
        self.newest()

    def newest(self) -> None:
        """Scroll to the newest line once the lines are laid out. Lines that
        arrived under another screen (help, the save box) were laid out after
        it closed: its screen calls this on resuming."""
        self.call_after_refresh(self.scroll_end, animate=False)

    @property
    def shown(self) -> tuple[str, ...]:
        return collapsed(self.lines)


def collapsed(lines: tuple[str, ...]) -> tuple[str, ...]:
    """Runs of one line said again and again as one line with a count ("… (×5)")."""
    out: list[str] = []
    repeats = 1
    for n, line in enumerate(lines):
        if n + 1 < len(lines) and lines[n + 1] == line:
            repeats += 1
            continue
        out.append(line if repeats == 1 else f"{line} (×{repeats})")
        repeats = 1
    return tuple(out)


def bar(value: int, top: int, width: int, style: str) -> Text:
    filled = 0 if top <= 0 else round(width * value / top)
    if value > 0:
        filled = max(1, filled)
    filled = min(width, filled)
    t = Text("█" * filled, style)
    t.append("░" * (width - filled), "grey30")
    return t


def hp_style(c: Combatant) -> str:
    return "green" if c.hp * 2 > c.max_hp else "yellow" if c.hp * 4 > c.max_hp else "red"


def plural(count: int, noun: str) -> str:
    """'1 healing potion', '3 healing potions'."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
