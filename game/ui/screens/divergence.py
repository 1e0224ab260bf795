"""The stop on a divergence: the model and the rules gave different next
states. The game waits here, over the battle, until a key: what differed in
words, both values, and whose state the game went on from."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from game.combat.content import Content
from game.combat.narration import divergence_words
from game.ui.screens.compare import head
from game.ui.screens.widgets import DismissOnce
from game.world.battle import MODEL, Turn


def render_divergence(turn: Turn, model_name: str, content: Content, mistakes: int) -> Text:
    t = Text()
    t.append_text(head(turn.prompt))
    t.append("\n\n")
    for words in divergence_words(turn.prompt, turn.engine, turn.model, turn.model_valid, turn.model_error, content):
        t.append("  • ", "bold red")
        t.append(words + "\n")
    t.append("\nApplied: ", "bold")
    if turn.applied == MODEL:
        t.append("the model's state", "bold magenta")
        t.append(" — you trust the model, so its mistake is now real.\n")
        t.append(f"Model mistakes that changed this run: {mistakes}\n", "magenta")
    elif turn.fallback:
        t.append("the rules' state", "bold green")
        t.append(f" — the model's answer was unusable ({turn.fallback}).\n")
    else:
        t.append("the rules' state", "bold green")
        t.append(" — the rules are in charge; the model runs beside them.\n")
    t.append("\nPress any key to go on (q: save and quit).", "dim")
    return t


QUIT = "quit"


class DivergenceScreen(DismissOnce, ModalScreen[str | None]):
    """Shown over the battle when a turn's two answers differ. Any key goes
    on; `q` goes on to saving and quitting, as it does everywhere else."""

    def __init__(self, turn: Turn, model_name: str, content: Content, mistakes: int):
        super().__init__()
        self.turn, self.model_name, self.content, self.mistakes = turn, model_name, content, mistakes

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="divergence-box"):
            yield Static(render_divergence(self.turn, self.model_name, self.content, self.mistakes), id="divergence")

    def on_mount(self) -> None:
        box = self.query_one("#divergence-box")
        box.border_title = Text(f"The model ({self.model_name}) and the rules differ")  # a name, not markup

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.dismiss(QUIT if event.key == "q" else None)

    def on_click(self) -> None:
        self.dismiss(None)
