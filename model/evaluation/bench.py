"""`pico-rogue bench`: what the model costs, both runtimes side by side in one run.

Per runtime (numpy, the default, and torch when it is installed): load
time; per-transition latency (p50, p95) on one thread with the KV cache and
grammar-fixed tokens skipped, as the game resolves; the same decisions
without a cache; network calls and tokens per transition; the same without
the template's drafter (`no_drafter`: the calls it saves) and with the
engine's own answer as the draft (`draft_bound`: what a drafter that is
always right would save, the bound the template's drafter approaches);
batched throughput; and, in a fresh process, `resolve --model` on one
prompt: cold start (process start to the first answer) and peak memory.
The rules engine's latency for scale.
"""

from __future__ import annotations

import copy
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from game.combat.content import default
from game.combat.resolver import EngineResolver
from game.combat.template import parse_target
from game.world import generate
from model.decode import Uncached
from model.evaluation.evaluate import predict
from model.resolver import RUNTIMES, ModelResolver, load_resolver

BENCH_SEED = 31337
UNCACHED = 30  # prompts timed without the cache (each is ~10x slower)
COLD_RUNS = 3


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


class _Answer:
    """A drafter that drafts the engine's answer from where the output is."""

    def __init__(self, target: list[int]):
        self.target, self.at = target, 0

    def push(self, token: int) -> None:
        self.at += 1

    def guess(self) -> list[int]:
        return self.target[self.at:]


def _as_written(resolver: ModelResolver, record: dict) -> str:
    """The engine's target as the network writes it (a v4 model: in slots)."""
    binding = resolver.check(record["prompt"]).binding
    return binding.target(parse_target(record["target"], resolver.content)) if binding else record["target"]


def _timed(resolver: ModelResolver, prompts: list[str], targets: list[list[int]] | None = None):
    """(seconds, network calls, tokens) per prompt, as the resolver answers
    (with its own drafter, if it has one; with `targets`, drafting those)."""
    times, calls, tokens = [], [], []
    for k, p in enumerate(prompts):
        start = time.perf_counter()
        out = resolver.decode(p, _Answer(targets[k]) if targets else None)
        resolver.tok.decode(out.ids)
        times.append(time.perf_counter() - start)
        calls.append(out.calls)
        tokens.append(len(out.ids))
    return times, calls, tokens


def _peak_mb(pid: int) -> float | None:
    """A live process's peak resident memory (Linux's VmHWM), in MB. Not the
    child's ru_maxrss: that counts the forked copy of this process before exec."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def cold_start(weights_path: Path | None, runtime: str, prompt: str) -> tuple[float, float | None]:
    """(seconds from process start to the first answer, peak RSS in MB once
    it has answered) of `resolve --model` in a fresh process, medians of COLD_RUNS."""
    argv = [sys.executable, "-m", "cli", "resolve", "--model", "--runtime", runtime]
    if weights_path:
        argv += ["--weights", str(weights_path)]
    for pack in default().packs:  # the child reads the content this process plays
        argv += ["--pack", pack]
    line = (json.dumps({"prompt": prompt}) + "\n").encode()
    walls, peaks = [], []
    for _ in range(COLD_RUNS):
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            child.stdin.write(line)
            child.stdin.flush()
            answer = child.stdout.readline()
            walls.append(time.perf_counter() - start)
            peaks.append(_peak_mb(child.pid))  # still running: it waits for the next line
            child.stdin.close()
            child.stdout.read()
            child.wait(timeout=60)
        except BaseException:
            child.kill()
            child.wait()
            raise
        if child.returncode != 0 or b'"next"' not in answer:
            raise RuntimeError(f"resolve --model --runtime {runtime} failed (exit {child.returncode}): {answer[:200]!r}")
    known = [p for p in peaks if p is not None]
    return statistics.median(walls), statistics.median(known) if known else None


def bench_runtime(weights_path, runtime: str, records: list[dict]) -> dict:
    t0 = time.perf_counter()
    resolver = load_resolver(weights_path, threads=1, runtime=runtime)
    load_s = time.perf_counter() - t0
    prompts = [r["prompt"] for r in records]
    targets = [resolver.tok.encode(_as_written(resolver, r)) + [resolver.tok.eos] for r in records]
    _timed(resolver, prompts)  # warm up
    cached, calls, tokens = _timed(resolver, prompts)
    recomputing = copy.copy(resolver)
    recomputing.net = Uncached(resolver.net)
    uncached, _, _ = _timed(recomputing, prompts[:UNCACHED])
    drafted, drafted_calls, _ = _timed(resolver, prompts, targets=targets)
    undrafted = copy.copy(resolver)
    undrafted.drafts = None  # every token the grammar leaves open is one call
    plain, plain_calls, _ = _timed(undrafted, prompts)
    batch = prompts * max(1, 512 // len(prompts))
    start = time.perf_counter()
    predict(resolver, batch)
    batched_s = time.perf_counter() - start
    cold_s, peak_mb = cold_start(weights_path, runtime, prompts[0])
    p50, p95 = _ms(cached)
    u50, u95 = _ms(uncached)
    d50, _ = _ms(drafted)
    n50, _ = _ms(plain)
    return {
        "runtime": runtime,
        "load_s": round(load_s, 3),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "uncached_p50_ms": round(u50, 2),
        "uncached_p95_ms": round(u95, 2),
        "cache_speedup": round(u50 / p50, 2),
        "network_calls_per_transition": statistics.median(calls),
        "tokens_per_transition": statistics.median(tokens),
        "no_drafter": {"p50_ms": round(n50, 2), "network_calls_per_transition": statistics.median(plain_calls)},
        "draft_bound": {"p50_ms": round(d50, 2), "network_calls_per_transition": statistics.median(drafted_calls)},
        "batched_per_s": round(len(batch) / batched_s, 1),
        "cold_start_s": round(cold_s, 3),
        "peak_rss_mb": round(peak_mb, 1) if peak_mb is not None else None,
        "params": resolver.net.n_params(),
        "weights": resolver.weights_name,
    }


def _held_mb(decider) -> float:
    """The bytes of every array the loaded specialist holds (weights and the runtime's own)."""
    import numpy as np

    seen, total = set(), 0
    for holder in (decider.weights.tensors, vars(decider.net)):
        for v in holder.values():
            if isinstance(v, np.ndarray) and id(v) not in seen:
                seen.add(id(v))
                total += v.nbytes
    return total / 2**20


def bench_specialists(records: list[dict], loads: int = 5) -> dict:
    """Each deciding specialist that is there: its load (a fresh load each
    time, median of `loads`), the memory its arrays hold once loaded (float32,
    the runtime's folded copies included), and one decision's latency on one
    thread over the states of `records` where its side acts."""
    from game.combat.encounter import HERO
    from game.combat.template import parse_prompt
    from game.world.search import usable
    from game.world.tactics import careful_action
    from model.specialists.registry import ENTRIES, Decider

    content = default()
    out = {}
    for entry in ENTRIES:
        if entry.task == "resolve" or not entry.file.exists():
            continue
        times = []
        for _ in range(loads):
            start = time.perf_counter()
            decider = Decider(entry)
            times.append(time.perf_counter() - start)
        states = [parse_prompt(r["prompt"]).encounter for r in records]
        states = [e for e in states if (e.actor == HERO) == (entry.task == "advice")]
        lat = []
        potions = {"healing_potion": 1, "regen_potion": 1}
        for e in states:
            actions = usable(e, potions, content)
            if len(actions) < 2:  # nothing to decide (answered without the network): not a decision's time
                continue
            start = time.perf_counter()
            plan = careful_action(e, potions, content) if entry.task == "advice" else None  # the advisor reads it
            decider.choose(e, actions, content, plan)
            lat.append(time.perf_counter() - start)
        p50, p95 = _ms(lat) if lat else (None, None)
        out[entry.task] = {"name": entry.name, "bytes": entry.file.stat().st_size,
                           "params": decider.net.n_params(), "load_ms": round(statistics.median(times) * 1000, 2),
                           "memory_mb": round(_held_mb(decider) , 2),
                           "p50_ms": p50 and round(p50, 3), "p95_ms": p95 and round(p95, 3), "decisions": len(lat)}
    return out


def torch_installed() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def bench(weights_path, n: int, runtimes: tuple[str, ...] = RUNTIMES) -> dict:
    """Both runtimes' figures (torch's only where it is installed); the
    numpy runtime's also at the top level."""
    records = list(generate.transitions(n, BENCH_SEED))
    runs = {runtime: bench_runtime(weights_path, runtime, records)
            for runtime in runtimes if runtime != "torch" or torch_installed()}
    engine = EngineResolver()
    engine_times = []
    for p in (r["prompt"] for r in records):
        start = time.perf_counter()
        engine.resolve(p)
        engine_times.append(time.perf_counter() - start)
    main = runs[runtimes[0]]
    specialists = bench_specialists(records)
    return {"weights": main["weights"], "params": main["params"], "n": n, "threads": 1,
            **{k: v for k, v in main.items() if k not in ("weights", "params")},
            "engine_p50_ms": round(_ms(engine_times)[0], 4), "runtimes": runs,
            **{f"{task}_p50_ms": specialists.get(task, {}).get("p50_ms") for task in ("advice", "tactics")},
            "specialists": specialists}
