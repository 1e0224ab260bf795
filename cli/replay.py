"""`pico-rogue replay FILE`: a saved battle in the viewer (or printed with
--plain, or asked again of the model with --rerun); given a run's record or
morgue file, that run's battles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from cli.errors import UsageError
from cli.loading import load_model
from game.combat.content import default
from game.records import finished
from game.records.battle import PlayedWith, load_battle
from game.records.files import RecordError, SaveError
from game.records.finished import names_a_run
from game.ui.replay import ReplayApp, plain, rerun, width_of
from game.ui.runs import RunReplayApp, battles_of, list_battles


def main(args: argparse.Namespace) -> int:
    if names_a_run(args.file):  # a run's record or morgue: its battles
        return replay_run(args, args.file)
    try:
        save = load_battle(args.file)
    except SaveError as exc:
        raise UsageError(str(exc)) from None
    other = save.played_with.mismatch(default())
    if other and args.rerun:  # its turns resolved under other rules would differ where nothing went wrong
        raise UsageError(other)
    if other:
        print(f"pico-rogue replay: note: {other}", file=sys.stderr)
    again = None
    if args.rerun:
        model = load_model(args.weights, runtime=args.runtime)
        if not model.ready:
            raise UsageError(f"--rerun needs the model, which is unavailable: {model.detail}")
        again = rerun(save, model.resolver)
    if args.plain or not sys.stdout.isatty():
        plain(save, again, Console(width=width_of(args.width)))
        return 0
    ReplayApp(save, again).run()
    return 0


def replay_run(args: argparse.Namespace, path: Path) -> int:
    """`pico-rogue replay` given a run's record or morgue file."""
    try:
        path, rec = finished.load(path)
    except RecordError as exc:
        raise UsageError(str(exc)) from None
    if args.rerun:
        raise UsageError("--rerun replays one battle: give it a battle's file (replay lists them)")
    other = PlayedWith.of(rec).mismatch(default(), what="run")
    if other:
        print(f"pico-rogue replay: note: {other}", file=sys.stderr)
    battles = battles_of(rec)
    saved = [(b, save) for b, save, _ in battles if save is not None and save.turns]
    if args.plain or not sys.stdout.isatty() or not saved:
        console = Console(width=width_of(args.width))
        list_battles(path, rec, battles, console)
        if args.plain:
            for b, save in saved:
                if b["divergent"]:
                    console.print(Text(f"\nbattle {b['n']} (floor {b['depth']}):", "bold"))
                    plain(save, None, console)
        elif not saved:
            console.print("(none of its battles were saved: there is nothing to step through)")
        return 0
    RunReplayApp(rec, saved).run()
    return 0
