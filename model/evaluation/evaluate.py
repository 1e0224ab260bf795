"""`pico-rogue eval`: how faithfully the model follows the rules engine.

On fresh engine transitions (a seed training never uses) or a JSONL file:
exact match of the whole next-state block, validity (the output parses),
accuracy per field, a breakdown by action, status and source; and rollout
drift: whole battles where the model's own output becomes the next state,
counting how many turns it stays identical to the engine.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from game.combat.content import Content, bundled, default
from game.combat.divergence import fields
from game.combat.template import Prompt, Target, TemplateError, block, parse_prompt, parse_target
from game.world import generate
from model.evaluation import answers, rollout
from model.resolver import ModelResolver

N, BATTLES = 2000, 50  # fresh transitions and rollout battles when --n and --battles are not given


@dataclass
class Item:
    prompt: str
    target: str
    source: str = "file"


def fresh(n: int, seed: int) -> list[Item]:
    return [Item(r["prompt"], r["target"], r["source"]) for r in generate.transitions(n, seed)]


def at_edges(n: int, seed: int) -> dict[str, list[Item]]:
    """`n` fresh transitions moved to each edge of the rules (game.world.generate.edge)."""
    rng = random.Random(seed ^ 0xED6E)
    return {kind: [Item(r["prompt"], r["target"], "edge") for r in (generate.edge(rng, kind=kind).record("edge")
                                                                     for _ in range(n))]
            for kind in generate.EDGES}


def from_file(path: Path) -> list[Item]:
    """Items from a JSONL file, or from battle saves (a file or a folder):
    those the rules engine agrees with; the summary of what was kept and
    skipped goes to stderr."""
    import sys

    from model.training.examples import read_examples  # no torch: eval reads data on either runtime

    vetted = read_examples([path])  # DataError (a ModelError): one line
    print(f"eval --data: {vetted.summary()}", file=sys.stderr)
    return [Item(e.prompt, e.target, e.source) for e in vetted.kept]


def predict(resolver: ModelResolver, prompts: list[str]) -> list[str | None]:
    """Model outputs for many prompts (None where the guard refuses one), decoded in batches."""
    return answers.guarded(resolver, prompts)


def edges(p: Prompt, want: Target, content: Content) -> list[str]:
    """The edges of the rules a transition sits on, where tiny models slip:
    `kill` (a blow that kills or leaves 0-2 hp), `tick` (a tick that kills or
    leaves 0-2 hp), `full` (a heal that ends within 2 of max hp), `after
    death` (someone is dead: the turn order must skip them), `every status`
    (the actor has every status there is)."""
    enc = p.encounter
    actor = enc.get(enc.actor)
    rows = {r.label: r for r in want.rows}
    o = want.outcome
    out = []
    if o.result in ("hit", "crit") and rows[p.action.target].hp <= 2:
        out.append("kill")
    if o.tick < 0 and actor.hp + o.tick <= 2:
        out.append("tick")
    if o.result == "heal" and rows[actor.label].hp >= actor.max_hp - 2:
        out.append("full")
    if any(not c.alive for c in enc.combatants):
        out.append("after death")
    if len(actor.statuses) == len(content.statuses):
        out.append("every status")
    return out


def pack_entries(content: Content) -> tuple[set[str], set[str]]:
    """(new, changed): the names of the abilities, statuses and monster kinds
    the packs in play add to the bundled content, and those they change."""
    if not content.packs:
        return set(), set()
    base = bundled()
    new, changed = set(), set()
    for mine, theirs in ((content.abilities, base.abilities), (content.statuses, base.statuses),
                         (content.monsters, base.monsters)):
        for name, entry in mine.items():
            if name not in theirs:
                new.add(name)
            elif entry != theirs[name]:
                changed.add(name)
    return new, changed


def touches(p: Prompt, content: Content, new: set[str], changed: set[str]) -> str:
    """Whether a turn meets a pack's entries: `new` (a name the bundled
    content lacks), `changed` (an entry the pack changed), or `bundled`."""
    ability = content.abilities[p.action.ability]
    names = {p.action.ability, *(c.kind for c in p.encounter.monsters),
             *(s.name for c in p.encounter.combatants for s in c.statuses)}
    if ability.applies:
        names.add(ability.applies.status)
    return "new" if names & new else "changed" if names & changed else "bundled"


def _kind(path: str) -> str:
    return path.split(".", 1)[1] if path.split(".")[0] in ("hero", "m1", "m2", "m3") else path


def score(items: list[Item], outputs: list[str | None]) -> dict:
    content = default()
    n = len(items)
    exact = valid = refused = worked = with_work = 0
    field_right: dict[str, int] = defaultdict(int)
    field_seen: dict[str, int] = defaultdict(int)
    by: dict[str, dict[str, list[int]]] = {g: defaultdict(lambda: [0, 0])
                                           for g in ("action", "status", "source", "monsters", "edge", "content", "pack edge")}
    new, changed = pack_entries(content)
    for item, out in zip(items, outputs, strict=False):
        want = parse_target(item.target, content)
        p = parse_prompt(item.prompt, content)
        # the answer is the next-state block; the work before it is scored on its own
        ok = out is not None and block(out) == block(item.target)
        exact += ok
        if want.outcome.work:
            with_work += 1
            worked += out == item.target
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
                "status": sorted({s.name for c in p.encounter.combatants for s in c.statuses}) or ["none"],
                "edge": edges(p, want, content) or ["none"], "content": [touches(p, content, new, changed)]}
        if keys["content"][0] != "bundled":  # a pack's turns at the rules' edges, apart from the bundled ones
            keys["pack edge"] = [f"{keys['content'][0]}: {e}" for e in keys["edge"]]
        for group, names in keys.items():
            for name in names:
                by[group][name][0] += 1
                by[group][name][1] += ok
    return {
        "n": n,
        "exact_match": exact / n if n else 0.0,
        "work_exact": worked / with_work if with_work else None,
        "valid": valid / n if n else 0.0,
        "refused": refused,
        # a refusal is never right and never wrong: the figures an honest reading needs
        "refused_share": refused / n if n else 0.0,
        "exact_of_answered": exact / (n - refused) if n - refused else None,
        "silently_wrong": (n - refused - exact) / n if n else 0.0,
        "fields": {k: field_right[k] / field_seen[k] for k in field_seen},
        "by": {g: {k: {"n": v[0], "exact_match": v[1] / v[0]} for k, v in sorted(d.items())} for g, d in by.items()
               if d or g != "pack edge"},
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


def whole_runs(resolver: ModelResolver, n: int, seed: int) -> dict:
    """Runs of the real game (game/autoplay.py's careful hero, floor 1 to
    death or the dragon) with the model's state driving every turn it can:
    how many runs match the rules on every turn."""
    from game.world import autoplay

    results = [autoplay.play(s, "careful", model=resolver, trust=True) for s in autoplay.seeds(seed, n)]
    return {
        "runs": n,
        "clean": sum(r.clean for r in results),
        "median_turns": statistics.median(r.turns for r in results) if results else 0,
        "divergent_turns": sum(r.divergent for r in results),
        "turns": sum(r.turns for r in results),
        "won": sum(r.won for r in results),
        "divergent_runs": [{"seed": r.seed, "divergent": r.divergent, "turns": r.turns} for r in results if not r.clean],
    }


def evaluate(resolver: ModelResolver, items: list[Item], battles: int, seed: int, edges_n: int = 0,
             runs: int = 0) -> dict:
    result = score(items, predict(resolver, [i.prompt for i in items]))
    if edges_n:
        result["edges"] = {}
        for kind, group in at_edges(edges_n, seed).items():
            scored = score(group, predict(resolver, [i.prompt for i in group]))
            result["edges"][kind] = {k: scored[k] for k in ("n", "exact_match", "valid", "refused")}
    if battles:
        result["rollout"] = rollouts(resolver, battles, seed + 1)
    if runs:
        result["whole_runs"] = whole_runs(resolver, runs, seed)
    result["weights"] = {"name": resolver.weights_name, "sha256": resolver.weights_sha256}
    result["content"] = {"packs": list(resolver.content.packs), "refusing": getattr(resolver, "refusing", None)}
    return result


def table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    head = Table(title=f"pico model vs rules engine — {result['weights']['name']}", show_header=False)
    head.add_row("transitions", str(result["n"]))
    head.add_row("exact match (whole next-state block)", f"{result['exact_match']:.2%}")
    if result.get("work_exact") is not None:
        head.add_row("work and block exact", f"{result['work_exact']:.2%}")
    head.add_row("valid (output parses)", f"{result['valid']:.2%}")
    head.add_row("refused prompts (counted apart: never right, never wrong)",
                 f"{result['refused']} ({result.get('refused_share', 0.0):.2%})")
    if result.get("exact_of_answered") is not None:
        head.add_row("exact match of the answered prompts", f"{result['exact_of_answered']:.2%}")
    head.add_row("silently wrong (answered, not the rules' block)", f"{result.get('silently_wrong', 0.0):.2%}")
    if result.get("content", {}).get("packs"):
        head.add_row("packs", ", ".join(result["content"]["packs"]))
    if "rollout" in result:
        r = result["rollout"]
        head.add_row("rollout: battles identical to the end", f"{r['identical_to_end']:.0%} of {r['battles']}")
        head.add_row("rollout: median identical turns", f"{r['median_identical_turns']} of median {r['median_turns']}")
    if "whole_runs" in result:
        w = result["whole_runs"]
        head.add_row("whole runs with every turn matching the rules (model driving)",
                     f"{w['clean']} of {w['runs']} (median {w['median_turns']} turns a run; "
                     f"{w['divergent_turns']} of {w['turns']} turns diverged)")
    console.print(head)
    if "edges" in result:
        t = Table(title="at the edges of the rules (dedicated fresh sets)")
        for column in ("edge", "n", "exact", "refused"):
            t.add_column(column, justify="left" if column == "edge" else "right")
        for kind, r in result["edges"].items():
            t.add_row(kind, str(r["n"]), f"{r['exact_match']:.2%}", str(r["refused"]))
        console.print(t)
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
