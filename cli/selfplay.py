"""`pico-rogue selfplay`: scripted battles saved as played ones, or whole runs
with a summary (the balance simulation and the whole-run measure of the model)."""

from __future__ import annotations

import argparse
import json
import sys

from cli.errors import UsageError
from cli.loading import load_deciders, load_model
from cli.packs import check_class
from game.combat.content import default
from game.records.files import RecordError, saves_folder
from game.world.model_side import ModelSide
from game.world.selfplay import print_runs, run, runs, totals
from model.errors import ModelError


def main(args: argparse.Namespace) -> int:
    if args.battles is not None and args.runs is not None:
        raise UsageError("give --battles or --runs, not both")
    count = args.runs if args.runs is not None else args.battles if args.battles is not None else 10
    if count < 0:
        raise UsageError(f"--{'runs' if args.runs is not None else 'battles'} must be 0 or more")
    if args.saves is not None or args.runs is None:
        try:
            saves_folder(args.saves)  # a bad --saves is refused before any battle is played
        except RecordError as exc:
            raise UsageError(f"--saves {exc}") from None
    if args.runs is None and (args.json or args.policy != "careful" or args.monsters != "content" or args.hero_class):
        raise UsageError("--json, --policy, --monsters and --class go with --runs")
    check_class(args.hero_class)
    if args.engine_only:
        if args.trust_model:
            raise UsageError("--trust-model needs the model: drop --engine-only")
        model = ModelSide(None, "unavailable", "engine only")
    else:
        model = load_model(args.weights, runtime=args.runtime)
        if not model.ready:
            if args.weights is not None or args.trust_model:
                raise UsageError(f"the model is unavailable: {model.detail}")
            print(f"note: the model is unavailable ({model.detail}); playing with the rules only", file=sys.stderr)
    if args.runs is None:
        run(count, args.seed, args.saves, model, args.trust_model)
        return 0
    deciders = None
    if args.policy == "advisor" or args.monsters != "scripted":
        deciders = load_deciders(args.runtime)
        learned = any(m.style == "learned" for m in default().monsters.values())
        for task, asked in (("advice", args.policy == "advisor"),
                            ("tactics", args.monsters == "learned" or (args.monsters == "content" and learned))):
            if asked:
                try:
                    deciders.get(task)  # a missing specialist is said before any run is played
                except ModelError as exc:
                    raise UsageError(f"the {task} specialist is unavailable: {exc}") from None
    results = runs(count, args.seed, model, policy=args.policy, trust=args.trust_model, saves=args.saves,
                   deciders=deciders, monsters=args.monsters, hero_class=args.hero_class)
    who = "engine only" if not model.ready else f"model {model.detail}" + (", trusted" if args.trust_model else "")
    if args.json:
        print(json.dumps({"policy": args.policy, "hero_class": args.hero_class or next(iter(default().classes)),
                          "seed": args.seed, "trust_model": args.trust_model, "monsters": args.monsters,
                          "model": model.weights, "totals": totals(results),
                          "runs": [r.to_dict() for r in results]}))
    else:
        print_runs(results, args.policy, who)
    return 0
