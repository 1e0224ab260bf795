"""Small pieces of the screen: the banner that says who is in charge, and the
renderings of combatants and of the hero's numbered actions."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ..battle import ADJECTIVES, Option
from ..content import Content
from ..encounter import HERO, Combatant, Encounter

KIND_STYLES = {
    "rat": "yellow", "bat": "magenta", "snake": "green", "goblin": "bright_green", "skeleton": "white",
    "orc": "red", "shaman": "cyan", "troll": "bright_red", "wraith": "bright_magenta", "dragon": "bold bright_red",
}


class Banner(Static):
    """The top line: who is in charge (RULES or MODEL), the model, the seed."""

    def on_mount(self) -> None:
        self.watch(self.app, "trust_model", self.redraw)
        self.watch(self.app, "model_label", self.redraw)

    def redraw(self, _=None) -> None:
        app = self.app
        t = Text(" pico-rogue ", "bold reverse")
        t.append("  in charge: ")
        if app.trust_model:
            t.append(" MODEL ", "bold white on magenta")
        else:
            t.append(" RULES ", "bold black on green")
        t.append(f"   {app.model_label}", "dim" if "unavailable" in app.model_label else "")
        seed = getattr(app, "seed_label", "")
        if seed:
            t.append(f"   {seed}", "dim")
        self.text = t
        self.update(t)


def bar(value: int, top: int, width: int, style: str) -> Text:
    filled = 0 if top <= 0 else round(width * value / top)
    if value > 0:
        filled = max(1, filled)
    t = Text("█" * filled, style)
    t.append("░" * (width - filled), "grey30")
    return t


def hp_style(c: Combatant) -> str:
    return "green" if c.hp * 2 > c.max_hp else "yellow" if c.hp * 4 > c.max_hp else "red"


def render_roster(encounter: Encounter, target: str | None, content: Content) -> Text:
    """Every combatant: hp and mp bars, statuses with durations, cooldowns."""
    t = Text()
    for c in encounter.combatants:
        mark = "▶ " if c.label == encounter.actor else "  "
        name = "you (knight)" if c.label == HERO else f"{c.label} {c.kind}"
        style = "bold" if c.label == HERO else KIND_STYLES.get(c.kind, "")
        t.append(mark, "bold yellow")
        t.append(f"{name:<14}", style if c.alive else "strike dim")
        if c.label == target and c.alive:
            t.append(" ◎ target", "bold cyan")
        t.append("\n  hp ")
        t.append_text(bar(c.hp, c.max_hp, 16, hp_style(c)))
        t.append(f" {c.hp:>2}/{c.max_hp}")
        if c.max_mp:
            t.append("\n  mp ")
            t.append_text(bar(c.mp, c.max_mp, 16, "blue"))
            t.append(f" {c.mp:>2}/{c.max_mp}")
        if not c.alive:
            t.append("\n  dead", "dim")
        if c.statuses:
            t.append("\n  ")
            for s in c.statuses:
                kind = content.statuses[s.name].tick
                st = "red" if kind == "damage" else "green" if kind == "heal" else "cyan"
                power = f" {s.power}/turn" if kind != "none" else ""
                t.append(f"{ADJECTIVES.get(s.name, s.name)} ({s.turns}{power}) ", st)
        if c.cooldowns:
            t.append("\n  ")
            for a, n in c.cooldowns:
                t.append(f"[{a} {n}]" if n else f"[{a} ✓]", "dim" if n else "green")
                t.append(" ")
        t.append("\n")
    return t


def render_options(options: list[Option], encounter: Encounter, potions: dict[str, int], content: Content,
                   busy: bool) -> Text:
    t = Text()
    for o in options:
        ability = content.abilities[o.ability]
        label = o.ability.replace("_", " ")
        if ability.item:
            label += f" ×{potions.get(ability.item, 0)}"
        cost = f" {ability.cost}mp" if ability.cost else ""
        on = "" if ability.target == "self" else f" → {o.action.target}"
        if o.ready and not busy:
            t.append(f" {o.key} ", "bold black on cyan")
            t.append(f" {label}{cost}{on}", "bold")
            t.append(f"  {o.describe}\n", "dim")
        else:
            t.append(f" {o.key} ", "grey50 on grey23")
            t.append(f" {label}{cost}", "grey50")
            t.append(f"  {o.why or 'wait for your turn'}\n", "grey42 italic")
    return t
