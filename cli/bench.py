"""`pico-rogue bench`: the model's speed and memory on both runtimes, and the engine's."""

from __future__ import annotations

import argparse
import json

from rich.console import Console
from rich.table import Table

from cli.errors import UsageError
from model.evaluation import bench


def main(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise UsageError(f"--n {args.n}: bench needs at least one transition")
    result = bench.bench(args.weights, args.n)
    if args.json:
        print(json.dumps(result))
        return 0
    runs = result["runtimes"]
    t = Table(title=f"pico-rogue bench — {result['weights']} ({result['params']:,} parameters, 1 thread, "
                    f"{result['n']} transitions)")
    t.add_column("measure")
    for name in runs:
        t.add_column(name, justify="right")
    rows = [
        ("cold start: resolve --model, one prompt", lambda r: f"{r['cold_start_s']:.2f} s"),
        ("peak memory of that process (RSS)", lambda r: f"{r['peak_rss_mb']:.0f} MB" if r["peak_rss_mb"] else "-"),
        ("model load (in process)", lambda r: f"{r['load_s'] * 1000:.0f} ms"),
        ("latency p50 / p95 (cache + grammar)", lambda r: f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f} ms"),
        ("latency p50 / p95 without cache", lambda r: f"{r['uncached_p50_ms']:.1f} / {r['uncached_p95_ms']:.1f} ms"),
        ("cache speed-up (p50)", lambda r: f"{r['cache_speedup']:.2f}x"),
        ("network calls / tokens per transition",
         lambda r: f"{r['network_calls_per_transition']} / {r['tokens_per_transition']}"),
        ("without the drafter: p50 / calls",
         lambda r: f"{r['no_drafter']['p50_ms']:.1f} ms / {r['no_drafter']['network_calls_per_transition']}"),
        ("drafting the engine's answer: p50 / calls",
         lambda r: f"{r['draft_bound']['p50_ms']:.1f} ms / {r['draft_bound']['network_calls_per_transition']}"),
        ("batched throughput", lambda r: f"{r['batched_per_s']:.0f} transitions/s"),
    ]
    for label, show in rows:
        t.add_row(label, *(show(r) for r in runs.values()))
    Console().print(t)
    if result["specialists"]:
        s = Table(title="specialists (numpy, 1 thread): one decision each")
        for col in ("specialist", "size", "load", "arrays held", "decision p50 / p95", "decisions"):
            s.add_column(col, justify="right" if col != "specialist" else "left")
        for task, r in result["specialists"].items():
            s.add_row(f"{r['name']} ({task})", f"{r['bytes'] / 1024:.0f} KB", f"{r['load_ms']:.1f} ms",
                      f"{r['memory_mb']:.1f} MB",
                      f"{r['p50_ms']:.2f} / {r['p95_ms']:.2f} ms" if r["p50_ms"] is not None else "-", str(r["decisions"]))
        Console().print(s)
    Console().print(f"rules engine p50: {result['engine_p50_ms']:.3f} ms. The machine's load moves these; "
                    "compare the runtimes within one run.")
    return 0
