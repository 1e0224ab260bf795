"""The inventory: what the hero carries (potions, drunk with a letter key)
and the charms it has found. Dismisses with the potion to drink, or None."""

from __future__ import annotations

from string import ascii_lowercase

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from game.ui.screens.widgets import DismissOnce
from game.world.run import Run


class InventoryScreen(DismissOnce, ModalScreen[str | None]):
    BINDINGS = [Binding("escape,i,q", "dismiss(None)", "Close")]

    def __init__(self, run: Run):
        super().__init__()
        self.run_state = run
        self.potions = [c for c in run.inventory() if c.drinkable]

    def compose(self) -> ComposeResult:
        run = self.run_state
        t = Text()
        if self.potions:
            t.append("Potions (press a letter to drink one now)\n", "bold")
            for key, c in zip(ascii_lowercase, self.potions, strict=False):
                t.append(f"  {key}  ", "bold")
                t.append(f"{c.text}", "bright_white")
                t.append(f": {c.describe}\n", "dim")
        else:
            t.append("You carry no potions.\n", "dim")
        charms = [c for c in run.inventory() if not c.drinkable]
        if charms:
            t.append("\nFound and worn\n", "bold")
            for c in charms:
                t.append(f"     {c.text}", "bright_white")
                t.append(f": {c.describe}\n", "dim")
        hero = run.hero_template()
        t.append(f"\nhp {run.hp}/{hero.max_hp}  mp {run.mp}/{hero.max_mp}  atk {hero.atk}  def {hero.defence}", "dim")
        t.append("\nEsc or i closes", "dim")
        with Vertical(id="inventory-box"):
            yield Static(t, id="inventory")

    def on_mount(self) -> None:
        self.query_one("#inventory-box").border_title = "Inventory"

    def on_key(self, event) -> None:
        if len(event.key) == 1 and event.key in ascii_lowercase[: len(self.potions)]:
            event.stop()
            self.dismiss(self.potions[ascii_lowercase.index(event.key)].kind)
