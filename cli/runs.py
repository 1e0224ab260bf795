"""`pico-rogue runs`: the finished runs in a saves folder, or the high scores."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli.errors import UsageError
from game.records import finished, scores
from game.records.files import RecordError, saves_home
from game.ui.runs import print_table, table


def main(args: argparse.Namespace) -> int:
    folder = Path(args.saves) if args.saves else saves_home()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: not a folder")
    try:
        if args.best:
            entries = scores.scores(folder)
            rows = [(None, e) for e in entries]
        else:
            rows = finished.records(folder)
    except RecordError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps([rec | ({"record": str(path)} if path else {}) for path, rec in rows]))
        return 0
    if not rows:
        print(f"no finished runs in {folder} yet")
        return 0
    print_table(table(rows, folder))
    return 0


# --- replaying a run ------------------------------------------------------------
