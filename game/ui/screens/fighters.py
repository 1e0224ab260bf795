"""The battle's two panels on the left: the combatants, and the hero's
numbered actions. Each is a widget that owns its state and draws itself;
both have a compact form for short terminals."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from game.combat.content import Content, default
from game.combat.describe import short_status
from game.combat.encounter import HERO, Combatant, Encounter
from game.combat.narration import status_words
from game.ui.screens.widgets import KIND_STYLES, bar, hp_style
from game.world.battle import Option


def who(c: Combatant, content: Content) -> str:
    # the hero's class, not the template's kind (every hero is `knight` in a prompt)
    return f"you ({content.hero.name})" if c.label == HERO else f"{c.label} {c.kind}"


def status_text(c: Combatant, content: Content, width: int, short: bool = False) -> Text:
    """The statuses, each with turns left and power, packed into lines of
    `width` under a four-column indent (a wrap never reaches the edge);
    `short`: 'psn 3/2' (3 turns left, 2 a turn) for a compact roster."""
    t = Text()
    used = 0
    for s in c.statuses:
        tick = content.statuses[s.name].tick if s.name in content.statuses else "none"
        style = "red" if tick == "damage" else "green" if tick == "heal" else "cyan"
        words = short_status(s, content) if short else status_words((s,), content, power=True)
        if used and used + 2 + len(words) > width:
            t.append("\n    ")
            used = 0
        elif used:
            t.append("  ")
            used += 2
        t.append(words, style)
        used += len(words)
    return t


def render_roster(encounter: Encounter, target: str | None, content: Content, compact: bool, width: int) -> Text:
    """Every combatant: hp and mp bars, statuses with turns left (and power),
    cooldowns. Compact: one line each (and one for statuses, if any)."""
    t = Text(no_wrap=True, overflow="ellipsis")
    names = {c.label: "you" if compact and c.label == HERO else who(c, content) for c in encounter.combatants}
    pad = max(len(n) for n in names.values())
    bars = max(4, min(16, (width - 30) // (2 if compact else 1)))
    for c in encounter.combatants:
        if t:
            t.append("\n")
        t.append("▶ " if c.label == encounter.actor else "  ", "bold yellow")
        style = "bold" if c.label == HERO else KIND_STYLES.get(c.kind, "")
        t.append(f"{names[c.label]:<{pad}}", style if c.alive else "strike dim")
        t.append(" ◎" if c.label == target and c.alive else "  ", "bold cyan")
        if not compact:
            t.append(" target" if c.label == target and c.alive else "", "bold cyan")
            t.append("\n  ")
        t.append(" hp ")
        t.append_text(bar(c.hp, c.max_hp, bars, hp_style(c)))
        t.append(f" {c.hp:>2}/{c.max_hp}")
        if c.max_mp and (c.alive or not compact):  # a small screen's line keeps 'dead' over a dead one's mp
            t.append(" mp " if compact else "  mp ")
            if not compact:
                t.append_text(bar(c.mp, c.max_mp, max(4, bars // 2), "blue"))
                t.append(" ")
            t.append(f"{c.mp}/{c.max_mp}", "blue")
        if not c.alive:
            t.append("  dead", "dim")
        if c.statuses:
            t.append("\n    ")
            t.append_text(status_text(c, content, width - 4, short=compact))
        waiting = [(a, n) for a, n in c.cooldowns if n]
        if c.cooldowns and not compact:
            t.append("\n    cd ", "dim")
            for a, n in c.cooldowns:
                t.append(f"{a.replace('_', ' ')} {n if n else '✓'}  ", "dim" if n else "green")
        elif waiting and compact and c.label != HERO:  # the hero's show on the greyed actions
            t.append("\n    cd ", "dim")
            t.append("  ".join(f"{a.replace('_', ' ')} {n}" for a, n in waiting), "dim")
    return t


class Roster(Static):
    """The combatants of the battle."""

    encounter: reactive[Encounter | None] = reactive(None, layout=True)
    target: reactive[str | None] = reactive(None)
    compact = reactive(False, layout=True)

    def __init__(self, content: Content | None = None, **kw):
        super().__init__(**kw)
        self.game_content = content or default()

    def render(self) -> RenderableType:
        if self.encounter is None:
            return Text()
        return render_roster(self.encounter, self.target, self.game_content, self.compact, self.size.width)


@dataclass(frozen=True)
class Choices:
    """What the actions panel shows: the options, or why there are none now."""

    options: tuple[Option, ...] = ()
    potions: tuple[tuple[str, int], ...] = ()
    waiting: str | None = None  # "the monsters act…", "you are stunned…": keys are off
    flee: tuple[str, str, str | None] | None = None  # the f key: label, its price, why it cannot be taken
    ended: str | None = None  # "Victory!" / "You have fallen." once the battle is over
    saved_to: str | None = None


# a greyed action's reason where the row has room for a few letters (compact)
BRIEF = ((re.compile(r"ready in (\d+) turns?"), r"cd \1"), (re.compile(r"needs (\d+) mp"), r"need \1mp"),
         (re.compile(r"at full health"), "full hp"), (re.compile(r"no .* left"), "none left"))


def brief(why: str) -> str:
    for pattern, short in BRIEF:
        why = pattern.sub(short, why)
    return why


def render_choices(choices: Choices, content: Content, compact: bool) -> RenderableType:
    if choices.ended:
        t = Text(choices.ended + "\n", "bold red" if choices.ended.startswith("You have fallen") else "bold green")
        t.append("Press Enter to continue.", "bold")  # before the file: at 80x24 a tall roster cut it off
        if choices.saved_to:
            t.append(f"\nBattle saved to {choices.saved_to}", "dim")
        return t
    grid = Table.grid(padding=(0, 1), expand=True)
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True)
    # the why of a greyed action wraps under itself (or, compact, ends in …): never under the keys
    grid.add_column(ratio=1, overflow="ellipsis" if compact else "fold", no_wrap=compact)
    potions = dict(choices.potions)
    for o in choices.options:
        ability = content.abilities[o.ability]
        label = o.ability.replace("_", " ")
        if ability.item:
            label += f" ×{potions.get(ability.item, 0)}"
        # compact: no room for the cost (examine, `;`, has it) or the target (the roster's ◎ marks it)
        if ability.cost and not compact:
            label += f" {ability.cost}mp"
        if ability.target != "self" and not compact:
            label += f" → {o.action.target}"
        # what it does, in numbers (against the target): at every size
        effect = Text(o.effect if compact else f"{o.effect} · {o.describe}" if o.effect else o.describe, "dim")
        if o.ready and not choices.waiting:
            grid.add_row(Text(f" {o.key} ", "bold black on cyan"), Text(label, "bold"), effect)
        else:
            # the effect still, greyed; and why it cannot be taken (in brief where
            # room is short), except while others act: then the reasons are about them
            why = "" if choices.waiting else brief(o.why or "") if compact else o.why or ""
            grid.add_row(Text(f" {o.key} ", "grey50 on grey23"), Text(label, "grey50"),
                         Text.assemble((o.effect, "grey42"), " ", (why, "grey50 italic")))
    if choices.flee:
        label, cost, why = choices.flee
        if why is None and not choices.waiting:
            grid.add_row(Text(" f ", "bold black on yellow"), Text(label, "bold"), Text(cost, "dim"))
        else:
            grid.add_row(Text(" f ", "grey50 on grey23"), Text(label, "grey50"),
                         Text("" if choices.waiting else why or "", "grey42 italic"))
    parts: list[RenderableType] = [grid]
    if choices.waiting:
        parts.append(Text(choices.waiting, "italic yellow"))
    elif not compact:
        parts.append(Text("Tab: next target   ; examine   r: raw template   z: zoom", "dim"))
    table = Table.grid(expand=True)
    table.add_column()
    for p in parts:
        table.add_row(p)
    return table


class Actions(Static):
    """The hero's numbered actions: ready, or greyed with why."""

    choices = reactive(Choices(), layout=True)
    compact = reactive(False, layout=True)

    def __init__(self, content: Content | None = None, **kw):
        super().__init__(**kw)
        self.game_content = content or default()

    def render(self) -> RenderableType:
        return render_choices(self.choices, self.game_content, self.compact)
