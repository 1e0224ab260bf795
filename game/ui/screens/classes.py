"""Who the hero is: the class chosen when a run begins (assets/classes.yaml).
One line per class, and the highlighted one in full: its numbers, what it
gains a level, and every ability's effect in words. Dismissed with the
class's name, or None to quit."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from game.combat.content import Content, HeroKind
from game.combat.describe import ability_words
from game.ui.screens.widgets import Banner, DismissOnce
from game.world import roster

GROWTH_WORDS = {"max_hp": "hp", "max_mp": "mp", "atk": "atk", "def": "def"}


def stats_line(h: HeroKind) -> str:
    return f"{h.hp} hp  {h.mp} mp  atk {h.atk}  def {h.defence}"


def growth_line(h: HeroKind) -> str:
    grows = [f"+{amount:g} {GROWTH_WORDS[stat]}" for stat, amount in h.per_level.items() if amount]
    return "each level: " + ", ".join(grows) if grows else "levels add nothing"


def render_classes(content: Content, at: int) -> Text:
    classes = list(content.classes.values())
    t = Text()
    t.append("Choose your hero\n\n", "bold")
    width = max(len(h.name) for h in classes)
    for n, h in enumerate(classes, 1):
        chosen = n - 1 == at
        t.append(f"{'>' if chosen else ' '} {n}  ", "bold" if chosen else "")
        t.append(f"{h.name:<{width}}", "bold reverse" if chosen else "bold")
        t.append(f"  {stats_line(h)}\n", "" if chosen else "dim")
    h = classes[at]
    t.append(f"\n{h.name}: {h.describe}\n" if h.describe else f"\n{h.name}\n", "italic")
    t.append(growth_line(h) + "\n", "dim")
    playing = content.playing(h.name)
    hero = roster.hero_at(1, playing)  # the numbers at level 1, and "you" for the words
    for name in h.abilities:
        head, _, tail = ability_words(name, playing, user=hero).partition(": ")
        t.append(f"  {head}", "bold cyan")
        t.append(f": {tail}\n")
    if h.carries:
        carried = ", ".join(content.items[i].called(n) for i, n in h.carries.items() if n)
        t.append(f"  carries {carried}\n", "dim")
    t.rstrip()
    return t


class ClassScreen(DismissOnce, Screen[str | None]):
    """The run's first choice. Number keys choose at once; arrows (or j/k)
    move and Enter chooses; q quits."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("enter,space", "choose", "Choose"),
        Binding("q,escape", "quit", "Quit"),
        Binding("question_mark", "app.help", "Help"),
    ]

    at = reactive(0)

    def __init__(self, content: Content):
        super().__init__()
        self.content = content
        self.names = list(content.classes)

    def compose(self) -> ComposeResult:
        yield Banner(id="banner")
        with VerticalScroll(id="classes-box"):
            yield Static(render_classes(self.content, 0), id="classes")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one("#classes-box").border_subtitle = f"1-{len(self.names)} or arrows and Enter"

    def watch_at(self) -> None:
        if self.is_mounted:
            self.query_one("#classes", Static).update(render_classes(self.content, self.at))

    def on_key(self, event) -> None:
        if event.character and event.character.isdigit() and 1 <= int(event.character) <= len(self.names):
            event.stop()
            self.dismiss(self.names[int(event.character) - 1])

    def action_move(self, step: int) -> None:
        self.at = (self.at + step) % len(self.names)

    def action_choose(self) -> None:
        self.dismiss(self.names[self.at])

    def action_quit(self) -> None:
        self.dismiss(None)
