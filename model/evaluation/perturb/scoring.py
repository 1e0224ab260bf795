"""Scoring the lab's answers against the rules engine: exactly, and field by
field against the reference (the engine's answer to the perturbed prompt, or
to the nearest valid one) to see how far structure collapsed; summaries per
family, kind and mode (guarded, raw, free); token drift over whole battles
(model/rollout.py)."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from game.combat.content import Content, default
from game.combat.resolver import EngineResolver
from game.combat.template import TemplateError, parse_target
from model.evaluation import answers, rollout
from model.evaluation.perturb.families import Case
from model.resolver import ModelResolver

MODES = ("guarded", "raw", "free")


def loose_fields(text: str) -> tuple[dict[str, tuple[str, ...]], int, tuple[str, ...]]:
    """A lenient reading of a next-state block that may not parse: (fields by
    divergence path, duplicated fields, row labels in order). Values are the
    words after each field name, so broken outputs still compare."""
    got: dict[str, tuple[str, ...]] = {}
    dup = 0
    labels: list[str] = []

    def put(key: str, value: tuple[str, ...]) -> None:
        nonlocal dup
        if key in got:
            dup += 1
        else:
            got[key] = value

    for line in text.split("\n"):
        w = line.split()
        if not w:
            continue
        if w[0] == "tick":
            for key, value in zip(("outcome.tick", "outcome.result", "outcome.amount"), w[1:4], strict=False):
                put(key, (value,))
            continue
        if w[0] == "turn":
            put("turn", tuple(w[1:2]))
            if "next" in w:
                put("next", tuple(w[w.index("next") + 1:][:1]))
            continue
        label = w[0]
        labels.append(label)
        i = 1
        while i < len(w):
            if w[i] in ("hp", "mp"):
                put(f"{label}.{w[i]}", tuple(w[i + 1:i + 2]))
                i += 2
            elif w[i] in ("st", "cd"):
                j = i + 1
                while j < len(w) and w[j] not in ("hp", "mp", "st", "cd"):
                    j += 1
                put(f"{label}.{w[i]}", tuple(w[i + 1:j]))
                i = j
            else:
                i += 1
    return got, dup, tuple(labels)


def _effects(f: dict[str, tuple[str, ...]]) -> set[tuple[str, str]]:
    return {(k.split(".")[0], v[i]) for k, v in f.items() if k.endswith(".st") for i in range(0, len(v), 3)}


def structure(reference: str, output: str) -> dict[str, float]:
    """How far `output`'s structure is from `reference` (the engine's answer)."""
    want, _, want_labels = loose_fields(reference)
    got, dup, got_labels = loose_fields(output)
    present = [k for k in want if k in got]
    effects = _effects(want)
    return {
        "lost": 1 - len(present) / len(want),
        "duplicated": dup / len(want),
        "wrong": sum(got[k] != want[k] for k in present) / len(want),
        "labels_changed": float(got_labels != want_labels),
        "effects_kept": len(effects & _effects(got)) / len(effects) if effects else 1.0,
    }


def _reason(text: str) -> str:
    """A refusal with its values blanked, so reasons group: line 2 (hero): unknown status '…'."""
    text = re.sub(r"'[^']*'", "'…'", text)
    return re.sub(r"(?<!line )\b\d+\b", "N", text)


@dataclass
class Outcome:
    case: Case
    engine: str | None  # the engine's answer to the perturbed prompt
    reference: str  # that, or the engine's answer to the nearest valid prompt
    refusal: str | None  # the guard's reason
    output: str | None  # the raw model's answer (grammar on)
    free: str | None  # the model's answer with no grammar at all

    def said(self, mode: str) -> str | None:
        if mode == "guarded":
            return None if self.refusal else self.output
        return self.free if mode == "free" else self.output


def judge(resolver: ModelResolver, all_cases: list[Case]) -> list[Outcome]:
    engine = EngineResolver(resolver.content)
    pairs = [(c.prompt, c.nearest) for c in all_cases]
    raw, free = answers.raw(resolver, pairs), answers.raw(resolver, pairs, free=True)
    out = []
    for c, o, f in zip(all_cases, raw, free, strict=True):
        e = engine.resolve(c.prompt).text
        ref = e or (engine.resolve(c.nearest).text if c.nearest else None) or engine.resolve(c.original).text
        out.append(Outcome(c, e, ref, resolver.guard.reason(c.prompt), o, f))
    return out


def _summary(outcomes: list[Outcome], mode: str, content: Content) -> dict:
    n = len(outcomes)
    guarded = mode == "guarded"
    answered = [o for o in outcomes if o.said(mode) is not None]
    defined = [o for o in answered if o.engine is not None]
    undefined = [o for o in answered if o.engine is None]
    parsed = 0
    for o in answered:
        try:
            parse_target(o.said(mode), content)
            parsed += 1
        except TemplateError:
            pass
    shapes = [structure(o.reference, o.said(mode)) for o in answered]

    def mean(key: str) -> float | None:
        return statistics.fmean(s[key] for s in shapes) if shapes else None

    result = {
        "prompts": n,
        "refused": n - len(answered),
        "engine_answers": sum(o.engine is not None for o in outcomes),
        "answered": len(answered),
        "parsed": parsed,
        "exact": sum(o.said(mode) == o.engine for o in defined),
        "exact_of": len(defined),
        "exact_match": sum(o.said(mode) == o.engine for o in defined) / len(defined) if defined else None,
        "nearest_match": sum(o.said(mode) == o.reference for o in undefined) / len(undefined) if undefined else None,
        "nearest_of": len(undefined),
        **{k: mean(k) for k in ("lost", "duplicated", "wrong", "labels_changed", "effects_kept")},
    }
    if guarded:
        reasons = Counter(_reason(o.refusal) for o in outcomes if o.refusal)
        result["reasons"] = [{"reason": r, "count": k} for r, k in reasons.most_common(3)]
        where = Counter(o.refusal.split(":")[0] for o in outcomes if o.refusal)
        result["where"] = dict(where.most_common())
    return result


def summarize(outcomes: list[Outcome], content: Content | None = None) -> dict:
    content = content or default()
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.case.kind].append(o)
    return {
        **{mode: _summary(outcomes, mode, content) for mode in MODES},
        "kinds": {k: {mode: _summary(v, mode, content) for mode in MODES} for k, v in by_kind.items()},
    }


def drift(resolver: ModelResolver, battles: int, seed: int, free: bool = False) -> dict:
    """Whole battles where the model's output is the next state. Actions and
    dice follow the engine's battle. A battle runs on past its first
    divergence, since that is where drift shows, until the model ends it or
    the engine's battle ends. Per turn k: the share of battles still
    identical to the engine's (one over before k counts if it was identical to
    its end); of the battles the engine is still fighting, the share the
    model still answers raw, and with the guard on (the game falls back to
    the rules once the guard refuses, e.g. the action is illegal in the
    model's state); and how many answers are right for the model's own
    prompt (local exact). With `free`, no grammar: a battle also stops when
    an output no longer parses, so "answered" is "still parses"."""
    played = rollout.play(resolver, battles, seed, free)
    curve = []
    right = seen = 0
    for k in range(max((p.turns for p in played), default=0)):
        live = [p for p in played if len(p.steps) > k]
        still = [p for p in played if p.turns > k]
        local = [p.steps[k].local for p in live if p.steps[k].local is not None]
        right, seen = right + sum(local), seen + len(local)
        curve.append({
            "turn": k + 1,
            "battles": len(still),
            "identical": sum(_same_after(p, k) for p in played) / battles,
            "raw_running": len(live) / len(still),
            "guarded_running": sum(p.steps[k].guarded for p in live) / len(still),
            "local_exact": sum(local) / len(local) if local else None,
        })
    lengths = [p.turns for p in played]
    ended_same = [_same_after(p, len(p.steps) - 1) for p in played]
    diverged = [len(p.steps) - 1 - next(k for k, s in enumerate(p.steps) if not s.same)
                for p, same in zip(played, ended_same, strict=True) if not same]
    return {
        "battles": battles,
        "median_turns": statistics.median(lengths) if lengths else 0,
        "identical_to_end": sum(ended_same) / battles if battles else 0.0,
        "median_turns_after_divergence": statistics.median(diverged) if diverged else None,
        "local_exact": right / seen if seen else None,
        "curve": curve,
    }


def _same_after(p: rollout.Played, k: int) -> bool:
    """Whether a battle was still identical to the engine's after turn k (or at its end, if it stopped before)."""
    return p.steps[min(k, len(p.steps) - 1)].same if p.steps else True
