"""`pico-rogue serve`: the same game in a browser, through textual-serve.

Each browser tab that connects starts its own `pico-rogue play` with the
flags given here; the saves folder still serves one game at a time. The
folder and the weights are checked before the server starts, so a bad flag
is one line here, not a blank page there."""

from __future__ import annotations

import argparse
import shlex
import sys

from cli.errors import UsageError
from game.records.lock import SavesInUse, check_saves


def play_command(args: argparse.Namespace) -> list[str]:
    """The `play` each browser tab runs."""
    command = [sys.executable, "-m", "cli", "play", "--saves", str(check_saves(args.saves))]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.trust_model:
        command.append("--trust-model")
    if args.weights is not None:
        command += ["--weights", str(args.weights.resolve())]
    if getattr(args, "runtime", "numpy") != "numpy":
        command += ["--runtime", args.runtime]
    for pack in getattr(args, "pack", None) or []:  # checked here already (cli.packs), read again by each tab
        command += ["--pack", str(pack.resolve())]
    return command


def main(args: argparse.Namespace) -> int:
    if args.weights is not None and not args.weights.is_file():
        raise UsageError(f"--weights {args.weights}: no such file")
    try:
        command = play_command(args)
    except SavesInUse as exc:
        raise UsageError(str(exc)) from None
    from textual_serve.server import Server

    server = Server(shlex.join(command), host=args.host, port=args.port, title="pico-rogue")
    server.serve()
    return 0
