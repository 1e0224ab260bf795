"""Every message of the run, scrollable: the log panel shows the newest."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen

from game.ui.screens.widgets import DismissOnce, MessageLog


class HistoryScreen(DismissOnce, ModalScreen[None]):
    BINDINGS = [
        Binding("escape,m,q", "dismiss", "Close"),
        Binding("up,k", "scroll(-1)", "Up", show=False),
        Binding("down,j", "scroll(1)", "Down", show=False),
        Binding("pageup", "scroll(-10)", "Page up", show=False),
        Binding("pagedown,space", "scroll(10)", "Page down", show=False),
    ]

    def __init__(self, lines: tuple[str, ...]):
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        yield MessageLog(id="history")

    def on_mount(self) -> None:
        log = self.query_one(MessageLog)
        log.border_title = "Messages"
        log.border_subtitle = "↑↓ PgUp PgDn scroll · Esc closes"
        log.lines = self.lines

    def action_scroll(self, lines: int) -> None:
        self.query_one(MessageLog).scroll_relative(y=lines, animate=False)
