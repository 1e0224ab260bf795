"""`pico-rogue play`: the saves folder locked, the model's loader chosen, the app run;
whatever way the app ends, a run still going is kept. An error of the game's
own ends the app with its run kept and a crash report written (see
PicoRogueApp._handle_exception); here, once the terminal is restored, the
player reads one line about it and the status is 70."""

from __future__ import annotations

import argparse
import functools
import sys

from cli.errors import UsageError
from cli.loading import load_deciders, load_model, weights_problem
from cli.packs import check_class
from game.records.lock import SavesInUse, check_saves, lock_saves
from game.ui.app import PicoRogueApp


def main(args: argparse.Namespace) -> int:
    check_class(args.hero_class)
    try:
        saves = check_saves(args.saves)
        lock = lock_saves(saves)
    except SavesInUse as exc:
        raise UsageError(str(exc)) from None
    if args.weights is not None:
        if not args.weights.is_file():
            raise UsageError(f"--weights {args.weights}: no such file")
        side = load_model(args.weights, runtime=args.runtime)
        if not side.ready:
            raise UsageError(weights_problem(args.weights, side.detail))
        loader = lambda: side  # noqa: E731 - loaded before the screen starts, so a bad file never plays
    else:
        loader = functools.partial(load_model, runtime=args.runtime)
    app = PicoRogueApp(seed=args.seed, trust_model=args.trust_model, saves=saves, model_loader=loader,
                       guard_terminal=True, deciders=load_deciders(args.runtime), hero_class=args.hero_class)
    try:
        app.run()
    finally:
        if not app.kept and app.game is not None:  # an exit that went around every path above
            try:
                app.keep_run()
            except Exception:  # noqa: BLE001 - the last chance; nothing to show it on
                pass
        lock.release()
    if app.crashed is not None:
        print(f"pico-rogue play: {app.crashed.line()}", file=sys.stderr)
    elif app.farewell:  # once the terminal is restored: the screen that said it is gone
        print(f"pico-rogue play: {app.farewell}", file=sys.stderr)
    return app.return_code or 0  # 70 after a crash, 129 on a hang-up, 1 if Textual's own handler ran
