"""`pico-rogue runs`: the past runs in a saves folder, from their records;
and `pico-rogue replay RUN` for a run: its battles listed, or stepped
through one after another, jumping from divergence to divergence."""

from __future__ import annotations

import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text
from textual.binding import Binding
from textual.widgets import Static

from game.records.battle import BattleSave, load_battle
from game.records.files import SaveError
from game.ui.replay import ReplayApp, describe, differs


def _agreement(rec: dict) -> str:
    a = rec["agreement"]
    return f"{a['agreed']}/{a['asked']}" if a["asked"] else "-"


def table(rows: list[tuple[Path | None, dict]], folder: Path) -> list[list[str]]:
    head = ["date", "seed", "result", "floor", "level", "kills", "score", "agree", "diverged", "record"]
    out = [head]
    for path, rec in rows:
        shown = rec.get("record") or (str(path.relative_to(folder)) if path else "")
        diverged = rec.get("diverged")
        out.append([rec["created"].replace("T", " ")[:16], str(rec["seed"]),
                    rec["result"] if rec["result"] != "died" else rec.get("cause") or "died",
                    str(rec["deepest"]), str(rec["level"]), str(rec["kills"]), str(rec["score"]), _agreement(rec),
                    "-" if diverged is None else str(len(diverged)), shown])
    return out


def print_table(rows: list[list[str]], out=None) -> None:
    out = out or sys.stdout
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip(), file=out)


def battles_of(rec: dict) -> list[tuple[dict, BattleSave | None, str | None]]:
    """Each battle of the record: its summary, its save (None when the file
    is missing or unreadable) and why it is missing."""
    out = []
    for b in rec["battles"]:
        if not b.get("file"):
            out.append((b, None, "not saved"))
            continue
        try:
            out.append((b, load_battle(Path(b["file"])), None))
        except SaveError as exc:
            out.append((b, None, str(exc)))
    return out


def list_battles(path: Path, rec: dict, battles, console: Console) -> None:
    console.print(Text(f"{path}: seed {rec['seed']}, {rec['result']}"
                       + (f" ({rec['cause']})" if rec.get("cause") else "")
                       + f", deepest floor {rec['deepest']}, {len(rec['battles'])} battles, "
                       f"model agreed {_agreement(rec)}", "bold"))
    rows = [["#", "floor", "result", "turns", "divergent turns", "monsters", "file"]]
    for b, save, missing in battles:
        rows.append([str(b["n"]), str(b["depth"]), b["result"], str(b["turns"]),
                     ",".join(map(str, b["divergent"])) or "-", ", ".join(b.get("monsters", [])),
                     b.get("file") or "" if save else f"({missing})"])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        console.print(Text("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()), soft_wrap=True)


class RunReplayApp(ReplayApp):
    """The battle viewer over a whole run: `]`/`[` change battle, `n`/`p`
    jump to the next/previous divergence across battles."""

    BINDINGS = [
        Binding("right_square_bracket", "battle(1)", "Next battle", key_display="]"),
        Binding("left_square_bracket", "battle(-1)", "Prev battle", key_display="["),
    ]

    def __init__(self, rec: dict, saves: list[tuple[dict, BattleSave]]):
        first = next((i for i, (b, _) in enumerate(saves) if b["divergent"]), 0)
        super().__init__(saves[first][1])
        self.rec = rec
        self.saves = saves
        self.at = first

    def on_mount(self) -> None:
        self.show(self.at, 0)

    def show(self, at: int, index: int) -> None:
        self.at = at
        summary, self.save = self.saves[at]
        banner = describe(self.save)
        banner.append(f"\nbattle {summary['n']} of the run (seed {self.rec['seed']}), floor {summary['depth']}: "
                      f"{at + 1}/{len(self.saves)} saved", "bold")
        self.query_one("#banner", Static).update(banner)
        self.index = max(0, min(index, len(self.save.turns) - 1))

    def action_battle(self, step: int) -> None:
        at = self.at + step
        if 0 <= at < len(self.saves):
            self.show(at, 0)

    def action_divergence(self, step: int) -> None:
        at, i = self.at, self.index + step
        while 0 <= at < len(self.saves):
            turns = self.saves[at][1].turns
            while 0 <= i < len(turns):
                if differs(turns[i], None):
                    self.show(at, i)
                    return
                i += step
            at += step
            if 0 <= at < len(self.saves):
                i = 0 if step > 0 else len(self.saves[at][1].turns) - 1
        self.notify("no more divergences that way", timeout=2)
