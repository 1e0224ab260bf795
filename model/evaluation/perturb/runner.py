"""`pico-rogue eval --suite perturb`: the suite run end to end."""

from __future__ import annotations

from game.world import generate
from model.evaluation.perturb.families import FAMILIES, cases
from model.evaluation.perturb.scoring import drift, judge, summarize
from model.resolver import ModelResolver

PER_FAMILY = 100  # prompts per family when --n is not given
BATTLES = 30  # drift battles when --battles is not given


def run(resolver: ModelResolver, n: int, seed: int, battles: int, clean_check: int = 2000) -> dict:
    content = resolver.content
    families = {}
    for fam in FAMILIES:
        summary = summarize(judge(resolver, cases(fam.name, n, seed, content)), content)
        families[fam.name] = {"describes": fam.describes, **summary}
    clean = [r["prompt"] for r in generate.transitions(clean_check, seed + 7, content)]
    result = {
        "weights": {"name": resolver.weights_name, "sha256": resolver.weights_sha256},
        "seed": seed,
        "per_family": n,
        "guard": {"ranges": "trained" if resolver.guard.trained else "template",
                  "clean_prompts": len(clean), "clean_refused": sum(resolver.guard.reason(p) is not None for p in clean)},
        "families": families,
    }
    if battles:
        result["drift"] = drift(resolver, battles, seed + 1)
        result["drift_free"] = drift(resolver, battles, seed + 1, free=True)
    return result
