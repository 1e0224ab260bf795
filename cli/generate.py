"""`pico-rogue generate`: training transitions drawn by the engine, as JSONL."""

from __future__ import annotations

import argparse
import json
import sys

from game.world.generate import transitions


def main(args: argparse.Namespace) -> int:
    name = str(args.out) if args.out else "<stdout>"
    try:
        out = open(args.out, "w") if args.out else sys.stdout  # noqa: SIM115 - closed below
        try:
            records = transitions(args.n, args.seed)
            if args.n >= 10_000 and not args.quiet:
                from rich.progress import track

                records = track(records, total=args.n, description="generating", console=_stderr_console(), transient=True)
            for record in records:
                out.write(json.dumps(record) + "\n")
            out.flush()
        finally:
            if out is not sys.stdout:
                out.close()
    except OSError as exc:
        if exc.filename is None and not isinstance(exc, BrokenPipeError):  # a write's error names no file: name it
            raise OSError(exc.errno, exc.strerror, name) from None
        raise
    return 0


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)
