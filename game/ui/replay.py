"""`pico-rogue replay FILE.json`: a saved battle, turn by turn.

The viewer steps forwards and backwards and jumps between divergences, with
the same side-by-side view as play. `--rerun` asks the current (or
`--weights`) model again and shows its answer beside the saved one. `--plain`
(the default when stdout is not a terminal) prints every line of both sides,
the words that differ marked, at the terminal's width (or `--width`).
"""

from __future__ import annotations

import os

from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Footer, Static

from game.combat.content import default
from game.combat.divergence import text_divergences
from game.combat.inert import inert
from game.combat.narration import divergence_words
from game.combat.resolver import Resolution, Resolver
from game.combat.template import VERSION, TemplateError, current
from game.records.battle import BattleSave
from game.ui.screens.compare import Answer, head, marked, render_comparison, turn_of


def rerun(save: BattleSave, resolver: Resolver) -> list[Resolution]:
    """Every saved prompt resolved again by `resolver` (a prompt of an older
    template asked in this one's words)."""
    out = []
    for t in save.turns:
        try:
            prompt = current(t["prompt"])
        except TemplateError as exc:
            out.append(Resolution(None, False, str(exc)))
            continue
        out.append(resolver.resolve(prompt))
    return out


def answers(turn: dict, again: Resolution | None, name: str = "model") -> list[Answer]:
    out = []
    if turn.get("asked_model", True):
        out.append(Answer(f"MODEL ({name})" + (" saved" if again else ""), turn["model"], turn["model_valid"],
                          turn["model_error"], turn["applied"] == "model"))
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
    t.append(f" {inert(save.path.name, lines=False)} ", "bold reverse")  # the file's words come inert from records
    t.append(f"  seed {d.get('seed')}  {d.get('result', '?')}  monsters: {', '.join(d.get('monsters', []))}")
    agreement = d.get("agreement") or {}
    if agreement.get("asked"):
        t.append(f"  agree {agreement['agreed']}/{agreement['asked']}")
    t.append(f"  weights: {w.get('name', 'none')} {str(w.get('sha256', ''))[:12]}", "dim")
    if d.get("template") != VERSION:
        t.append(f"  template {d.get('template')} (this game writes {VERSION})", "bold red")
    played = save.played_with
    if played.differs(default()):
        t.append(f"  played with {played.words(played.packs)} (content {played.digest}), "
                 f"not the content in play ({default().digest})", "bold red")
    return t


def flights(save: BattleSave, i: int) -> list[str]:
    """The tries to flee between saved turn i-1 and turn i (a try is no
    turn of the rules: the turn counter skips it), and after the last turn
    the one that got away, in words."""
    def number(k: int) -> int | None:
        return turn_of(save.turns[k]["prompt"])
    after = number(i - 1) if i > 0 else -1
    until = number(i) if i < len(save.turns) else None
    if after is None or i < len(save.turns) and until is None:
        return []  # a prompt that does not parse: where the try was is not known
    out = []
    for f in save.data.get("flights") or []:
        if after < f["turn"] and (until is None or f["turn"] < until):
            out.append(f"Turn {f['turn']}: you tried to flee and " + ("got away." if f["got_away"] else
                                                                         "the way was blocked; the monsters acted."))
    return out


# --- the plain listing ---------------------------------------------------------


def plain(save: BattleSave, again: list[Resolution] | None, console: Console) -> None:
    """Every turn: its head, then every line of the rules' answer beside the
    model's (and the model's now, with --rerun), the words that differ
    marked `[like this]` (and lit, on a terminal), and what differed in words."""
    console.print(describe(save))
    name = (save.weights or {}).get("name", "model")
    for i, turn in enumerate(save.turns):
        now = again[i] if again else None
        diffs = differs(turn, now)
        console.print()
        for words in flights(save, i):
            console.print(Text(words, "yellow"))
        line = Text(f"#{i + 1}  ", "bold")
        line.append_text(head(turn["prompt"]))
        line.append(f"   applied: {'model' if turn['applied'] == 'model' else 'rules'}", "bold")
        line.append(f"   differs: {', '.join(diffs)}" if diffs else "   agrees", "red" if diffs else "green")
        console.print(line)
        table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
        table.add_column("rules", ratio=1, overflow="fold")
        columns = []
        if turn.get("asked_model", True):
            table.add_column(Text(f"model ({name})" + (" saved" if now else "")), ratio=1, overflow="fold")  # not markup
            columns.append(_side(turn["engine"], turn["model"], turn["model_valid"], turn.get("model_error")))
        if now is not None:
            table.add_column("model now", ratio=1, overflow="fold")
            columns.append(_side(turn["engine"], now.text, now.valid, now.error))
        first = next((c[0] for c in columns if c[0] is not None), None)
        table.add_row(first or Text(turn["engine"]), *(c[1] for c in columns))
        console.print(table)
        if turn.get("asked_model", True) and turn["divergences"]:
            for words in divergence_words(turn["prompt"], turn["engine"], turn["model"], turn["model_valid"],
                                          turn.get("model_error")):
                console.print(Text("  • ") + Text(words))
        if turn.get("fallback"):
            console.print(Text(f"  trusted the model, but {turn['fallback']}: the rules decided", "yellow"))
    for words in flights(save, len(save.turns)):
        console.print(Text(words, "yellow"))


def _side(engine: str, text: str | None, valid: bool, error: str | None) -> tuple[Text | None, Text]:
    """(the rules' text marked against this answer, this answer marked)."""
    if text is None:
        return None, Text(f"refused: {error or ''}", "red")
    ours, theirs = marked(engine, text)
    if not valid:
        theirs = Text(f"did not parse: {error or ''}\n", "red") + theirs
    return ours, theirs


def width_of(requested: int | None) -> int:
    """--width, else the terminal's (even when stdout is a pipe to `less`), else 100."""
    if requested:
        return requested
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    for fd in (1, 2, 0):
        try:
            return os.get_terminal_size(fd).columns
        except OSError:
            continue
    return 100


# --- the viewer ----------------------------------------------------------------


class SavedTurn(Static):
    """One saved turn: the rules' next state beside the model's (and the rerun's)."""

    save: reactive[BattleSave | None] = reactive(None, layout=True)
    index = reactive(0, layout=True)
    raw = reactive(False, layout=True)

    def __init__(self, again: list[Resolution] | None, **kw):
        super().__init__(**kw)
        self.again = again

    @property
    def at(self) -> int:
        return max(0, min(self.index, len(self.save.turns) - 1))

    def render(self) -> RenderableType:
        if self.save is None or not self.save.turns:
            return Text("This battle has no turns.")
        turn = self.save.turns[self.at]
        now = self.again[self.at] if self.again else None
        name = (self.save.weights or {}).get("name", "model")
        view = render_comparison(turn["prompt"], turn["engine"], answers(turn, now, name),
                                 engine_applied=turn["applied"] != "model", raw=self.raw)
        return Group(view, Text(turn["fallback"], "yellow")) if turn.get("fallback") else view

    def watch_save(self) -> None:
        self.titles()

    def watch_index(self) -> None:
        self.titles()

    def watch_raw(self) -> None:
        self.titles()

    def titles(self) -> None:
        if self.save is None or not self.save.turns:
            return
        self.border_title = f"Turn {self.at + 1}/{len(self.save.turns)}" + ("  (raw)" if self.raw else "")
        diffs = differs(self.save.turns[self.at], self.again[self.at] if self.again else None)
        self.border_subtitle = Text(f"differs: {', '.join(diffs)}") if diffs else "agrees"  # words, not markup


class WhatHappened(Static):
    """The saved turn's log lines, and its differences in words."""

    save: reactive[BattleSave | None] = reactive(None, layout=True)
    index = reactive(0, layout=True)

    def __init__(self, **kw):
        super().__init__(**kw)
        self.border_title = "What happened"

    def render(self) -> Text:
        if self.save is None or not self.save.turns:
            return Text()
        at = max(0, min(self.index, len(self.save.turns) - 1))
        turn = self.save.turns[at]
        said = flights(self.save, at) + list(turn.get("narration") or [])
        if turn.get("asked_model", True) and turn["divergences"]:
            told = " ".join(said).lower()  # saves from before the log said it in words get the words here
            said += ["• " + w for w in divergence_words(turn["prompt"], turn["engine"], turn["model"],
                                                       turn["model_valid"], turn.get("model_error")) if w not in told]
        if at == len(self.save.turns) - 1:
            said += flights(self.save, len(self.save.turns))
        return Text("\n".join(said))


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
        Binding("r", "toggle_raw", "Raw"),
        Binding("q,escape", "quit", "Quit"),
    ]

    save: reactive[BattleSave] = reactive(None)
    index = reactive(0)
    raw = reactive(False)

    def __init__(self, save: BattleSave, again: list[Resolution] | None = None):
        super().__init__()
        self.set_reactive(ReplayApp.save, save)
        self.again = again

    def compose(self) -> ComposeResult:
        yield Static(describe(self.save), id="banner")
        yield SavedTurn(self.again, id="replay-compare").data_bind(ReplayApp.save, ReplayApp.index, ReplayApp.raw)
        yield WhatHappened(id="replay-log").data_bind(ReplayApp.save, ReplayApp.index)
        yield Footer(show_command_palette=False)

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
