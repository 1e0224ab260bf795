"""`pico-rogue eval`: how faithfully the model follows the rules engine.

On fresh engine transitions (a seed training never uses) or a JSONL file:
exact match of the whole next-state block, validity (the output parses),
accuracy per field, a breakdown by action, status and source; and rollout
drift: whole battles where the model's own output becomes the next state,
counting how many turns it stays identical to the engine.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from game import generate
from game.content import default
from game.divergence import fields
from game.template import TemplateError, parse_prompt, parse_target

from . import answers, rollout
from .resolver import ModelResolver, load_resolver

N, BATTLES = 2000, 50  # fresh transitions and rollout battles when --n and --battles are not given


@dataclass
class Item:
    prompt: str
    target: str
    source: str = "file"


def fresh(n: int, seed: int) -> list[Item]:
    return [Item(r["prompt"], r["target"], r["source"]) for r in generate.transitions(n, seed)]


def from_file(path: Path) -> list[Item]:
    """Items from a JSONL file, or from battle saves (a file or a folder):
    those the rules engine agrees with; the summary of what was kept and
    skipped goes to stderr."""
    import sys

    from .examples import read_examples  # no torch: eval reads data on either runtime

    vetted = read_examples([path])  # DataError (a ModelError): one line
    print(f"eval --data: {vetted.summary()}", file=sys.stderr)
    return [Item(e.prompt, e.target, e.source) for e in vetted.kept]


def predict(resolver: ModelResolver, prompts: list[str]) -> list[str | None]:
    """Model outputs for many prompts (None where the guard refuses one), decoded in batches."""
    return answers.guarded(resolver, prompts)


def _kind(path: str) -> str:
    return path.split(".", 1)[1] if path.split(".")[0] in ("hero", "m1", "m2", "m3") else path


def score(items: list[Item], outputs: list[str | None]) -> dict:
    content = default()
    n = len(items)
    exact = valid = refused = 0
    field_right: dict[str, int] = defaultdict(int)
    field_seen: dict[str, int] = defaultdict(int)
    by: dict[str, dict[str, list[int]]] = {"action": defaultdict(lambda: [0, 0]), "status": defaultdict(lambda: [0, 0]),
                                           "source": defaultdict(lambda: [0, 0]), "monsters": defaultdict(lambda: [0, 0])}
    for item, out in zip(items, outputs, strict=False):
        want = parse_target(item.target, content)
        p = parse_prompt(item.prompt, content)
        ok = out == item.target
        exact += ok
        refused += out is None
        got = None
        if out is not None:
            try:
                got = parse_target(out, content)
                valid += 1
            except TemplateError:
                pass
        have = fields(got) if got else {}
        for key, value in fields(want).items():
            field_seen[_kind(key)] += 1
            field_right[_kind(key)] += have.get(key) == value
        keys = {"action": [p.action.ability], "source": [item.source], "monsters": [str(len(p.encounter.monsters))],
                "status": sorted({s.name for c in p.encounter.combatants for s in c.statuses}) or ["none"]}
        for group, names in keys.items():
            for name in names:
                by[group][name][0] += 1
                by[group][name][1] += ok
    return {
        "n": n,
        "exact_match": exact / n if n else 0.0,
        "valid": valid / n if n else 0.0,
        "refused": refused,
        "fields": {k: field_right[k] / field_seen[k] for k in field_seen},
        "by": {g: {k: {"n": v[0], "exact_match": v[1] / v[0]} for k, v in sorted(d.items())} for g, d in by.items()},
    }


def rollouts(resolver: ModelResolver, battles: int, seed: int) -> dict:
    """Whole battles with the model's output as the next state each turn
    (model/rollout.py): how many turns from the start stay the engine's."""
    played = rollout.play(resolver, battles, seed)
    lengths, kept = [p.turns for p in played], [p.identical for p in played]
    longest = max(lengths) if lengths else 0
    curve = [sum(1 for k, n in zip(kept, lengths, strict=False) if k >= min(step, n)) / len(kept) for step in range(longest + 1)]
    return {
        "battles": battles,
        "median_turns": statistics.median(lengths) if lengths else 0,
        "median_identical_turns": statistics.median(kept) if kept else 0,
        "identical_to_end": sum(k == n for k, n in zip(kept, lengths, strict=False)) / len(kept) if kept else 0.0,
        "curve": curve,
    }


def evaluate(resolver: ModelResolver, items: list[Item], battles: int, seed: int) -> dict:
    result = score(items, predict(resolver, [i.prompt for i in items]))
    if battles:
        result["rollout"] = rollouts(resolver, battles, seed + 1)
    result["weights"] = {"name": resolver.weights_name, "sha256": resolver.weights_sha256}
    return result


def table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    head = Table(title=f"pico model vs rules engine — {result['weights']['name']}", show_header=False)
    head.add_row("transitions", str(result["n"]))
    head.add_row("exact match (whole block)", f"{result['exact_match']:.2%}")
    head.add_row("valid (output parses)", f"{result['valid']:.2%}")
    head.add_row("refused prompts", str(result["refused"]))
    if "rollout" in result:
        r = result["rollout"]
        head.add_row("rollout: battles identical to the end", f"{r['identical_to_end']:.0%} of {r['battles']}")
        head.add_row("rollout: median identical turns", f"{r['median_identical_turns']} of median {r['median_turns']}")
    console.print(head)
    t = Table(title="accuracy per field")
    t.add_column("field")
    t.add_column("accuracy", justify="right")
    for k, v in result["fields"].items():
        t.add_row(k, f"{v:.2%}")
    console.print(t)
    for group, rows in result["by"].items():
        t = Table(title=f"exact match by {group}")
        t.add_column(group)
        t.add_column("n", justify="right")
        t.add_column("exact", justify="right")
        for k, v in rows.items():
            t.add_row(k, str(v["n"]), f"{v['exact_match']:.2%}")
        console.print(t)


def main(args) -> int:
    if args.suite == "perturb":
        from .perturb.runner import main as perturb_main

        return perturb_main(args)
    items = from_file(args.data) if args.data else fresh(N if args.n is None else args.n, args.seed)  # bad data: before the model
    resolver = load_resolver(args.weights, runtime=args.runtime)
    result = evaluate(resolver, items, BATTLES if args.battles is None else args.battles, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        table(result)
    return 0
