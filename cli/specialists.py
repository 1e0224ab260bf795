"""`pico-rogue specialists`: the registry's specialists, read from their
cards (nothing is loaded): task, file, size, parameters, measured strength."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from model.specialists.registry import ENTRIES, card


def main(args: argparse.Namespace) -> int:
    rows = [card(e) | {"loaded": False} for e in ENTRIES]  # a listing loads none of them
    if args.json:
        print(json.dumps(rows))
        return 0
    t = Table(title="pico-rogue specialists (each loaded the first time its task is asked)")
    for col in ("name", "task", "does", "size", "params", "strength"):
        t.add_column(col)
    for r in rows:
        size = f"{r['bytes'] / 1024:.0f} KB" if r["bytes"] else "missing"
        strength = _brief(r["strength"] or {}) or "-"
        t.add_row(r["name"], r["task"], r["does"], size, f"{r['params']:,}" if r["params"] else "-",
                  strength if not r.get("problem") else f"[red]{r['problem']}[/]")
    Console().print(t)
    return 0


def _brief(strength: dict) -> str:
    """The card's figures in a table cell: numbers, and numbers by seed;
    its words (the command, notes, earlier figures) are for --json."""
    out = []
    for k, v in strength.items():
        if isinstance(v, dict) and v and all(isinstance(x, int | float) for x in v.values()):
            out.append(f"{k.replace('_', ' ')} " + " / ".join(f"{_show(x)} ({seed})" for seed, x in v.items()))
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out.append(f"{k.replace('_', ' ')} {_show(v)}")
    return "; ".join(out)


def _show(v) -> str:
    return f"{v:.1%}" if isinstance(v, float) and 0 <= v <= 1 else str(v)
