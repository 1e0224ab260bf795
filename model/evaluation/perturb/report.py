"""The lab's tables for people (rich): answers, structure, kinds, the guard's
reasons, bars per family, and the drift curve."""

from __future__ import annotations

from model.evaluation.perturb.scoring import MODES


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _bar(x: float | None, width: int = 20) -> str:
    if x is None:
        return ""
    cells = x * width
    full = int(cells)
    part = " ▏▎▍▌▋▊▉"[int((cells - full) * 8)] if full < width else ""
    return ("█" * full + part).ljust(width)


def table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    g = result["guard"]
    title = f"perturbation suite — {result['weights']['name']} (seed {result['seed']}, {result['per_family']} a family)"
    answers = Table(title=f"{title}: answers")
    shape = Table(title="structure against the engine's answer (to the nearest valid prompt where it has none)")
    for col in ("family", "mode", "refused", "engine ok", "parsed", "exact", "≈nearest"):
        answers.add_column(col, justify="left" if col in ("family", "mode") else "right", no_wrap=True)
    for col in ("family", "mode", "fields wrong", "lost", "dup", "relabel", "effects kept"):
        shape.add_column(col, justify="left" if col in ("family", "mode") else "right", no_wrap=True)
    for name, fam in result["families"].items():
        for mode in MODES:
            s = fam[mode]
            first, last = name if mode == MODES[0] else "", mode == MODES[-1]
            answers.add_row(first, mode, f"{s['refused']}/{s['prompts']}", str(s["engine_answers"]),
                            f"{s['parsed']}/{s['answered']}", _pct(s["exact_match"]), _pct(s["nearest_match"]),
                            end_section=last)
            shape.add_row(first, mode, _pct(s["wrong"]), _pct(s["lost"]), _pct(s["duplicated"]),
                          _pct(s["labels_changed"]), _pct(s["effects_kept"]), end_section=last)
    console.print(answers)
    console.print(f"guard: {g['clean_refused']} of {g['clean_prompts']} clean prompts refused "
                  f"(ranges: {g['ranges']}). How to read the columns: docs/lab.md")
    console.print(shape)

    r = Table(title="by kind")
    for col in ("family", "kind", "n", "refused", "engine ok", "raw exact", "raw ≈nearest", "raw wrong", "free parsed",
                "free wrong"):
        r.add_column(col, justify="left" if col in ("family", "kind") else "right")
    for name, fam in result["families"].items():
        for kind, s in fam["kinds"].items():
            raw, free = s["raw"], s["free"]
            r.add_row(name, kind, str(raw["prompts"]), str(s["guarded"]["refused"]), str(raw["engine_answers"]),
                      _pct(raw["exact_match"]), _pct(raw["nearest_match"]), _pct(raw["wrong"]),
                      _pct(free["parsed"] / free["answered"] if free["answered"] else None), _pct(free["wrong"]))
        r.add_section()
    console.print(r)

    why = Table(title="the guard's most common reasons")
    why.add_column("family")
    why.add_column("n", justify="right")
    why.add_column("reason")
    for name, fam in result["families"].items():
        for i, reason in enumerate(fam["guarded"].get("reasons", [])):
            why.add_row(name if i == 0 else "", str(reason["count"]), reason["reason"])
    console.print(why)

    plot = Table(title="per family", show_header=False)
    plot.add_column("family")
    plot.add_column("what")
    plot.add_column("bar")
    plot.add_column("", justify="right")
    for name, fam in result["families"].items():
        free = fam["free"]
        rows = (("yellow", "guard refused", fam["guarded"]["refused"] / fam["guarded"]["prompts"]),
                ("green", "raw exact", fam["raw"]["exact_match"]), ("red", "raw fields wrong", fam["raw"]["wrong"]),
                ("magenta", "free parsed", free["parsed"] / free["answered"] if free["answered"] else None))
        for i, (colour, label, x) in enumerate(rows):
            plot.add_row(name if i == 0 else "", label, f"[{colour}]{_bar(x)}", _pct(x), end_section=i == len(rows) - 1)
    console.print(plot)

    if "drift" in result:
        d, f = result["drift"], result["drift_free"]
        diverged = d["median_turns_after_divergence"]
        after = (f"median turns answered after the first divergence: {diverged}" if diverged is not None
                 else "no battle diverged")
        console.print(f"token drift: {d['battles']} battles, median {d['median_turns']} turns; identical to the end "
                      f"{_pct(d['identical_to_end'])}; right for its own prompt {_pct(d['local_exact'])}; {after}; "
                      f"with no grammar, right for its own prompt {_pct(f['local_exact'])}")
        c = Table(title="drift: share of battles at turn k")
        c.add_column("k", justify="right")
        c.add_column("identical to the engine")
        c.add_column("", justify="right")
        c.add_column("answered, guard on")
        c.add_column("", justify="right")
        c.add_column("no grammar: still parses")
        c.add_column("", justify="right")
        c.add_column("local exact", justify="right")
        curve, fcurve = d["curve"], f["curve"]
        picks = sorted(set(range(min(10, len(curve)))) | set(range(9, len(curve), 5)) | {len(curve) - 1})
        for i in picks:
            p = curve[i]
            fr = fcurve[i]["raw_running"] if i < len(fcurve) else None
            c.add_row(str(p["turn"]), f"[green]{_bar(p['identical'], 16)}", _pct(p["identical"]),
                      f"[cyan]{_bar(p['guarded_running'], 16)}", _pct(p["guarded_running"]),
                      f"[magenta]{_bar(fr, 16)}", _pct(fr), _pct(p["local_exact"]))
        console.print(c)
