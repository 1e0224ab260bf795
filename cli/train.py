"""`pico-rogue train`: a preset (with --set changes) trained from scratch or from
--init, written to --out (the bundled model's file for the bundled preset)."""

from __future__ import annotations

import argparse
import time
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
    if args.task and args.task != recipe.task:
        if args.preset not in ("bundled", args.task):
            raise UsageError(f"--task {args.task} with --preset {args.preset}: that preset trains {recipe.task}")
        recipe = PRESETS[args.task].but(**{"steps": args.steps, "seed": args.seed, **training.overrides(args.set or [])})
    out = Path(args.out or (weights.BUNDLED if recipe.name == "bundled" else Path("runs") / f"{recipe.name}.safetensors"))
    atomic.clean_stale(out.parent)  # temporary files of a run killed mid-write
    if recipe.task != "resolve":
        return _specialist(recipe, out, args)
    metrics = training.train(recipe, out, args.data, args.init, args.device, args.minutes, args.resume, args.quiet, args.workers)
    if metrics:
        print(f"wrote {out}: held-out exact match {metrics['held_out_exact']:.4f} after "
              f"{metrics['steps']} steps in {metrics['train_seconds'] / 60:.1f} min")
    return 0


def _specialist(recipe, out: Path, args: argparse.Namespace) -> int:
    """The teacher labels runs of the game (kept beside --out: an interrupted
    labelling resumes), then the specialist learns them."""
    from game.world.autoplay import seeds
    from model.training import teach

    if args.data or args.init:
        raise UsageError(f"--task {recipe.task} learns the teacher's labels: no --data or --init")
    training.check_out(out)
    t0 = time.perf_counter()
    runs = seeds(recipe.seed * 1000, recipe.teacher_runs)
    held_runs = seeds(teach.HELD_OUT_SEED, max(1, min(teach.HELD_OUT_RUNS, recipe.teacher_runs // 10)))  # a tenth, at most 12
    workers = max(1, args.workers)
    labels = teach.label(recipe.task, out.with_name(out.stem + ".labels.jsonl"), runs, workers, args.quiet, recipe.near,
                         teach.DEVIATIONS, recipe.rollouts, recipe.soft, recipe.asks)
    held = teach.label(recipe.task, out.with_name(out.stem + ".held.jsonl"), held_runs, workers, args.quiet, recipe.near,
                       1, recipe.rollouts, asks=recipe.asks)
    label_s = time.perf_counter() - t0
    if not labels or not held:
        raise UsageError(f"the teacher found no {recipe.task} decisions in {recipe.teacher_runs} runs")
    print(f"teacher: {len(labels)} training pairs from {len(runs)} runs (near {recipe.near}), {len(held)} held out, "
          f"{label_s / 60:.1f} min", flush=True)
    teacher = {"search": "rollouts of every action, then the scripted players (game/world/search.py)",
               "rollouts": recipe.rollouts, "runs": len(runs), "labels": len(labels), "near": recipe.near,
               "soft": recipe.soft, "asks": recipe.asks, "held_out": len(held),
               "label_seconds": round(label_s, 1)}
    metrics = training.train(recipe, out, (), None, args.device, args.minutes, args.resume, args.quiet, 0,
                             labels=labels, held=held, teacher=teacher)
    if metrics:
        print(f"wrote {out}: agrees with the teacher on {metrics['held_out_exact']:.1%} of held-out decisions "
              f"after {metrics['steps']} steps in {metrics['train_seconds'] / 60:.1f} min (+{label_s / 60:.1f} min "
              f"labelling)")
    return 0
