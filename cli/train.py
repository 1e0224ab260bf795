"""`pico-rogue train`: a preset (with --set changes) trained from scratch or from
--init, written to --out (the bundled model's file for the bundled preset)."""

from __future__ import annotations

import argparse
from pathlib import Path

from game.records import atomic
from model import weights
from model.errors import UsageError
from model.training import train as training
from model.training.recipe import PRESETS


def main(args: argparse.Namespace) -> int:
    if args.preset not in PRESETS:
        raise UsageError(f"unknown preset {args.preset!r} (one of {', '.join(PRESETS)})")
    recipe = PRESETS[args.preset].but(**{"steps": args.steps, "seed": args.seed, **training.overrides(args.set or [])})
    if args.preset == "bundled" and args.init:
        raise UsageError(f"--preset {args.preset} trains from scratch; to fine-tune use --preset finetune")
    out = Path(args.out or (weights.BUNDLED if args.preset == "bundled" else Path("runs") / f"{args.preset}.safetensors"))
    atomic.clean_stale(out.parent)  # temporary files of a run killed mid-write
    metrics = training.train(recipe, out, args.data, args.init, args.device, args.minutes, args.resume, args.quiet, args.workers)
    if metrics:
        print(f"wrote {out}: held-out exact match {metrics['held_out_exact']:.4f} after "
              f"{metrics['steps']} steps in {metrics['train_seconds'] / 60:.1f} min")
    return 0
