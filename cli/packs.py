"""`--pack DIR`: the content a command plays, made once before it starts.

The packs are laid over assets/ in the order given (game/combat/packs.py)
and the result made the process's content (content.use), so every part of
the command, the rules, the generator, the model's guard, reads the same.
A broken pack is a ContentError: one line, exit status 2."""

from __future__ import annotations

import argparse
import sys

from cli.errors import UsageError
from game.combat import content


def apply(args: argparse.Namespace) -> None:
    """Load and use the command's packs, if it was given any."""
    packs = getattr(args, "pack", None) or []
    if not packs:
        return
    if args.command == "replay" and not args.rerun:
        raise UsageError("--pack goes with --rerun (a saved battle replays as it was played)")
    content.use(content.load(content.ASSETS, packs))


def check_class(name: str | None) -> None:
    """A --class the content in play has (a pack may add one, so this comes after `apply`)."""
    classes = content.default().classes
    if name is not None and name not in classes:
        raise UsageError(f"--class {name}: no such class (one of {', '.join(classes)})")


def done(args: argparse.Namespace) -> None:
    """The bundled content again once a command with packs is over (main may
    be called more than once in one process: tests, scripts)."""
    if getattr(args, "pack", None):
        content.use(None)


def say_refusing(command: str, resolver) -> None:
    """One line on stderr when the model will refuse some of the content in play."""
    line = getattr(resolver, "refusing", None)
    if line:
        print(f"pico-rogue {command}: note: {line}", file=sys.stderr)
