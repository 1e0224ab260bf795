"""`pico-rogue bench`: what the model costs, measured in one run.

Load time; per-transition latency (p50, p95) on one thread with the KV cache
and grammar-fixed tokens skipped (the resolver's fast path, model/fast.py),
and the same decisions without a cache through the nn.Module; batched
throughput; the rules engine's own latency for scale; peak memory.
"""

from __future__ import annotations

import json
import resource
import statistics
import time

import torch

from game import generate
from game.cli import UsageError
from game.resolver import EngineResolver

from .decode import decode_one, decode_uncached
from .evaluate import predict
from .grammar import target_grammar
from .resolver import load_resolver
from .weights import WeightsError

BENCH_SEED = 31337


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def bench(weights_path, n: int) -> dict:
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    resolver = load_resolver(weights_path, threads=1)
    load_s = time.perf_counter() - t0
    prompts = [r["prompt"] for r in generate.transitions(n, BENCH_SEED)]

    def run(decoder, network) -> tuple[list[float], list[int]]:
        times, calls = [], []
        for p in prompts:
            start = time.perf_counter()
            parsed, ids = resolver.check(p)
            grammar = target_grammar(parsed, resolver.tok, resolver.content.status_order)
            out, c = decoder(network, resolver.tok, ids, grammar)
            resolver.tok.decode(out)
            times.append(time.perf_counter() - start)
            calls.append(c)
        return times, calls

    run(decode_one, resolver.fast)  # warm up
    cached, calls = run(decode_one, resolver.fast)
    uncached, _ = run(decode_uncached, resolver.model)
    engine = EngineResolver()
    engine_times = []
    for p in prompts:
        start = time.perf_counter()
        engine.resolve(p)
        engine_times.append(time.perf_counter() - start)
    batch_prompts = prompts * max(1, 512 // len(prompts))
    start = time.perf_counter()
    predict(resolver, batch_prompts)
    batched_s = time.perf_counter() - start
    p50, p95 = _ms(cached)
    u50, u95 = _ms(uncached)
    e50, _ = _ms(engine_times)
    n_tokens = [len(resolver.tok.encode(r["target"])) + 1 for r in generate.transitions(n, BENCH_SEED)]
    return {
        "weights": resolver.weights_name,
        "params": resolver.model.n_params(),
        "n": n,
        "threads": 1,
        "load_s": round(load_s, 3),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "uncached_p50_ms": round(u50, 2),
        "uncached_p95_ms": round(u95, 2),
        "cache_speedup": round(u50 / p50, 2),
        "network_calls_per_transition": statistics.median(calls),
        "tokens_per_transition": statistics.median(n_tokens),
        "batched_per_s": round(len(batch_prompts) / batched_s, 1),
        "engine_p50_ms": round(e50, 4),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(args) -> int:
    try:
        result = bench(args.weights, args.n)
    except WeightsError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(result))
        return 0
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"pico-rogue bench — {result['weights']} ({result['params']:,} parameters, 1 thread)")
    t.add_column("measure")
    t.add_column("value", justify="right")
    rows = [
        ("model load", f"{result['load_s'] * 1000:.0f} ms"),
        ("latency p50 / p95 (cache + grammar)", f"{result['p50_ms']:.1f} / {result['p95_ms']:.1f} ms"),
        ("latency p50 / p95 without cache", f"{result['uncached_p50_ms']:.1f} / {result['uncached_p95_ms']:.1f} ms"),
        ("cache speed-up (p50)", f"{result['cache_speedup']:.2f}x"),
        ("network calls / tokens per transition",
         f"{result['network_calls_per_transition']} / {result['tokens_per_transition']}"),
        ("batched throughput", f"{result['batched_per_s']:.0f} transitions/s"),
        ("rules engine p50", f"{result['engine_p50_ms']:.3f} ms"),
        ("peak memory (RSS)", f"{result['peak_rss_mb']:.0f} MB"),
    ]
    for r in rows:
        t.add_row(*r)
    Console().print(t)
    return 0
