"""`pico-rogue eval`: the model measured against the rules engine, on fresh
transitions (or --data), the edges of the rules and whole runs; or the perturb lab."""

from __future__ import annotations

import argparse
import json

from cli.packs import say_refusing
from model.evaluation import evaluate
from model.evaluation.perturb import runner as perturb
from model.evaluation.perturb.report import table as perturb_table
from model.resolver import load_resolver


def main(args: argparse.Namespace) -> int:
    if args.suite == "perturb":
        return _perturb(args)
    # bad data is refused before the model is loaded
    items = evaluate.from_file(args.data) if args.data else evaluate.fresh(evaluate.N if args.n is None else args.n, args.seed)
    resolver = load_resolver(args.weights, runtime=args.runtime)
    say_refusing("eval", resolver)
    result = evaluate.evaluate(resolver, items, evaluate.BATTLES if args.battles is None else args.battles, args.seed,
                               args.edges, args.runs)
    if args.json:
        print(json.dumps(result))
    else:
        evaluate.table(result)
    return 0


def _perturb(args: argparse.Namespace) -> int:
    resolver = load_resolver(args.weights, runtime=args.runtime)
    n = perturb.PER_FAMILY if args.n is None else args.n
    battles = perturb.BATTLES if args.battles is None else args.battles
    result = perturb.run(resolver, n, args.seed, battles)
    if args.json:
        print(json.dumps(result))
    else:
        perturb_table(result)
    return 0
