"""`pico-rogue replay FILE.json`: a saved battle, turn by turn.

The viewer steps forwards and backwards and jumps between divergences, with
the same side-by-side view as play. `--rerun` asks the current (or
`--weights`) model again and shows its answer beside the saved one. `--plain`
(the default when stdout is not a terminal) prints a Rich table instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Footer, Static

from . import battle_save
from .battle_save import BattleSave
from .divergence import text_divergences
from .resolver import Resolution, Resolver
from .screens.compare import Answer, head, render_comparison
from .template import VERSION


def rerun(save: BattleSave, resolver: Resolver) -> list[Resolution]:
    """Every saved prompt resolved again by `resolver`."""
    return [resolver.resolve(t["prompt"]) for t in save.turns]


def answers(turn: dict, again: Resolution | None) -> list[Answer]:
    out = []
    if turn.get("asked_model", True):
        out.append(Answer("MODEL (saved)" if again else "MODEL", turn["model"], turn["model_valid"], turn["model_error"],
                          turn["applied"] == "model"))
    if again is not None:
        out.append(Answer("MODEL (now)", again.text, again.valid, again.error))
    return out


def differs(turn: dict, again: Resolution | None) -> list[str]:
    diffs = list(turn["divergences"])
    if again is not None:
        diffs += [f"now:{d}" for d in (text_divergences(turn["engine"], again.text) if again.valid else ["unparsed"])]
    return diffs


def describe(save: BattleSave) -> Text:
    d = save.data
    w = d.get("weights") or {}
    t = Text()
    t.append(f" {save.path.name} ", "bold reverse")
    t.append(f"  seed {d.get('seed')}  {d.get('result', '?')}  monsters: {', '.join(d.get('monsters', []))}")
    agreement = d.get("agreement") or {}
    if agreement.get("asked"):
        t.append(f"  agree {agreement['agreed']}/{agreement['asked']}")
    t.append(f"  weights: {w.get('name', 'none')} {str(w.get('sha256', ''))[:12]}", "dim")
    if d.get("template") != VERSION:
        t.append(f"  template {d.get('template')} (this game writes {VERSION})", "bold red")
    return t


# --- the plain table ---------------------------------------------------------


def plain(save: BattleSave, again: list[Resolution] | None, console: Console) -> None:
    table = Table(title=describe(save), show_lines=False, expand=False)
    table.add_column("#", justify="right")
    table.add_column("turn")
    table.add_column("rules")
    table.add_column("model")
    if again is not None:
        table.add_column("model now")
    table.add_column("applied")
    table.add_column("differs")
    for i, turn in enumerate(save.turns):
        now = again[i] if again else None
        asked = turn.get("asked_model", True)
        model = _first(turn["model"], turn["model_valid"]) if asked else Text("not asked", "dim")
        row = [str(i + 1), head(turn["prompt"]), turn["engine"].split("\n")[0], model]
        if again is not None:
            row.append(_first(now.text, now.valid))
        diffs = differs(turn, now)
        row += [turn["applied"], Text(", ".join(diffs) or "-", "red" if diffs else "green")]
        table.add_row(*row)
    console.print(table)


def _first(text: str | None, valid: bool) -> Text:
    if text is None:
        return Text("refused", "red")
    return Text(text.split("\n")[0] + ("" if valid else " ✗"), "" if valid else "red")


# --- the viewer ----------------------------------------------------------------


class ReplayApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "pico-rogue replay"
    BINDINGS = [
        Binding("right,l,space", "step(1)", "Next"),
        Binding("left,h", "step(-1)", "Back"),
        Binding("n", "divergence(1)", "Next divergence"),
        Binding("p", "divergence(-1)", "Prev divergence"),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
        Binding("r", "toggle_raw", "Raw template"),
        Binding("q,escape", "quit", "Quit"),
    ]

    index = reactive(0)
    raw = reactive(False)

    def __init__(self, save: BattleSave, again: list[Resolution] | None = None):
        super().__init__()
        self.save = save
        self.again = again

    def compose(self) -> ComposeResult:
        yield Static(describe(self.save), id="banner")
        yield Static(id="replay-compare")
        yield Static(id="replay-log")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#replay-log").border_title = "What happened"
        self.redraw()

    def watch_index(self, _: int) -> None:
        self.redraw()

    def watch_raw(self, _: bool) -> None:
        self.redraw()

    def redraw(self) -> None:
        if not self.is_running or not self.save.turns:
            if not self.save.turns:
                self.query_one("#replay-compare", Static).update("This battle has no turns.")
            return
        turn = self.save.turns[self.index]
        now = self.again[self.index] if self.again else None
        view = render_comparison(turn["prompt"], turn["engine"], answers(turn, now),
                                 engine_applied=turn["applied"] != "model", raw=self.raw)
        compare = self.query_one("#replay-compare", Static)
        compare.update(Group(view, Text(turn.get("fallback") or "", "yellow")) if turn.get("fallback") else view)
        compare.border_title = f"Turn {self.index + 1}/{len(self.save.turns)}" + ("  (raw)" if self.raw else "")
        diffs = differs(turn, now)
        compare.border_subtitle = f"differs: {', '.join(diffs)}" if diffs else "agrees"
        self.query_one("#replay-log", Static).update(Text("\n".join(turn.get("narration") or [])))

    def action_step(self, step: int) -> None:
        self.index = max(0, min(len(self.save.turns) - 1, self.index + step))

    def action_jump(self, where: int) -> None:
        self.index = 0 if where == 0 else max(0, len(self.save.turns) - 1)

    def action_divergence(self, step: int) -> None:
        n = len(self.save.turns)
        i = self.index + step
        while 0 <= i < n:
            if differs(self.save.turns[i], self.again[i] if self.again else None):
                self.index = i
                return
            i += step
        self.notify("no more divergences that way", timeout=2)

    def action_toggle_raw(self) -> None:
        self.raw = not self.raw


def main(args: argparse.Namespace) -> int:
    from .battle import load_model
    from .cli import UsageError
    from .morgue import names_a_run

    if names_a_run(args.file):  # a run's record or morgue: its battles
        from .runs import replay as replay_run

        return replay_run(args, args.file)
    try:
        save = battle_save.load(args.file)
    except battle_save.SaveError as exc:
        raise UsageError(str(exc)) from None
    again = None
    if args.rerun:
        model = load_model(args.weights)
        if not model.ready:
            raise UsageError(f"--rerun needs the model, which is unavailable: {model.detail}")
        again = rerun(save, model.resolver)
    if args.plain or not sys.stdout.isatty():
        plain(save, again, Console())
        return 0
    ReplayApp(save, again).run()
    return 0


__all__ = ["ReplayApp", "main", "plain", "rerun", "Path"]
