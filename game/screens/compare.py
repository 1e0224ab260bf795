"""The side-by-side view of one turn: the rules engine's next state beside the
model's (and, in a rerun, a second model's), every differing field
highlighted. Used by the battle screen and the replay viewer alike."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from ..divergence import text_divergences
from ..template import Target, TemplateError, parse_prompt, parse_target

ENGINE_DIFF = "bold black on yellow"
MODEL_DIFF = "bold white on red"
ADJ = {"poison": "psn", "burn": "brn", "regen": "rgn", "guard": "grd", "stun": "stn"}


@dataclass(frozen=True)
class Answer:
    """One column of the comparison: who answered, and what."""

    title: str
    text: str | None
    valid: bool
    error: str | None = None
    applied: bool = False


def head(prompt: str) -> Text:
    """'turn 12 · m1 goblin: ignite → hero · d20 14, d4 3' from a prompt."""
    try:
        p = parse_prompt(prompt)
    except TemplateError:
        return Text(prompt.split("\n")[0])
    actor = p.encounter.get(p.encounter.actor)
    who = "hero" if actor.label == "hero" else f"{actor.label} {actor.kind}"
    t = Text()
    t.append(f"turn {p.encounter.turn}  ", "dim")
    t.append(who, "bold")
    t.append(f": {p.action.ability} → {p.action.target}", "bold cyan")
    t.append(f"   roll d20 {p.rolls.d20}, d4 {p.rolls.d4}", "dim")
    return t


def kinds_of(prompt: str) -> dict[str, str]:
    try:
        return {c.label: c.kind for c in parse_prompt(prompt).encounter.combatants}
    except TemplateError:
        return {}


def render_target(target: Target, diffs: set[str], style: str, kinds: dict[str, str]) -> Text:
    """A next state as readable lines; each field in `diffs` in `style`."""
    t = Text()

    def field(path: str, text: str) -> None:
        t.append(text, style if path in diffs else "")

    o = target.outcome
    field("outcome.result", o.result)
    t.append(" ")
    field("outcome.amount", str(o.amount))
    t.append("  tick ", "dim")
    field("outcome.tick", f"{o.tick:+d}")
    t.append("\nturn ", "dim")
    field("turn", str(target.turn))
    t.append("  next ", "dim")
    field("next", target.next)
    for r in target.rows:
        t.append(f"\n{r.label:<4} {kinds.get(r.label, '')[:8]:<8}", "bold")
        t.append(" hp ", "dim")
        field(f"{r.label}.hp", f"{r.hp:>2}")
        t.append(" mp ", "dim")
        field(f"{r.label}.mp", f"{r.mp:>2}")
        t.append("\n     st ", "dim")
        # three statuses a line, as the cooldowns below: five at once overflow half the panel
        words = [f"{ADJ.get(s.name, s.name)} {s.turns}/{s.power}" for s in r.statuses]
        field(f"{r.label}.st", "\n        ".join(" ".join(words[i:i + 3]) for i in range(0, len(words), 3)) or "-")
        t.append("\n     cd ", "dim")
        # two slots a line: the hero's four do not fit half the panel, and a wrap would lose the indent
        pairs = [" ".join(f"{a}:{n}" for a, n in r.cooldowns[i:i + 2]) for i in range(0, len(r.cooldowns), 2)]
        field(f"{r.label}.cd", "\n        ".join(pairs) or "-")
    return t


def render_comparison(prompt: str, engine: str, others: list[Answer], *, engine_applied: bool = True,
                      raw: bool = False) -> RenderableType:
    """The engine's next state beside each other answer, differences lit."""
    kinds = kinds_of(prompt)
    table = Table(expand=True, show_edge=False, pad_edge=False, box=None, padding=(0, 2))
    engine_title = Text("RULES (engine)", "bold green")
    if engine_applied:
        engine_title.append("  ✔ applied", "green")
    table.add_column(engine_title, ratio=1)
    cells: list[RenderableType] = []
    try:
        expected = parse_target(engine)
    except TemplateError:
        expected = None
    verdicts = []
    all_diffs: set[str] = set()
    for answer in others:
        title = Text(answer.title, "bold magenta")
        if answer.applied:
            title.append("  ✔ applied", "magenta")
        table.add_column(title, ratio=1)
        diffs = set(text_divergences(engine, answer.text)) if answer.valid else {"unparsed"}
        all_diffs |= diffs - {"unparsed"}
        verdicts.append((answer, diffs))

    cells.append(Text(engine) if raw or expected is None else render_target(expected, all_diffs, ENGINE_DIFF, kinds))
    for answer, diffs in verdicts:
        cells.append(render_answer(answer, diffs, raw, kinds))
    table.add_row(*cells)

    summary = Text()
    for answer, diffs in verdicts:
        if answer.text is None:
            summary.append(f"{answer.title}: refused the prompt ({answer.error})\n", "bold red")
        elif "unparsed" in diffs:
            summary.append(f"{answer.title}: output did not parse ({answer.error or 'malformed'})\n", "bold red")
        elif diffs:
            summary.append(f"{answer.title}: differs in {', '.join(sorted(diffs))}\n", "bold red")
        else:
            summary.append(f"{answer.title}: agrees with the rules\n", "green")
    parts: list[RenderableType] = [head(prompt)]
    if raw:
        parts += [Text("prompt", "dim"), Text(prompt, "cyan"), Text("")]
    parts += [table, Text(""), summary]
    return Group(*parts)


def render_answer(answer: Answer, diffs: set[str], raw: bool, kinds: dict[str, str]) -> RenderableType:
    if answer.text is None:
        return Text(f"✗ refused\n{answer.error or ''}", "bold red")
    if raw:
        return Text(answer.text, "" if answer.valid else "red")
    if not answer.valid or "unparsed" in diffs:
        return Text(f"✗ did not parse: {answer.error or ''}\n", "bold red") + Text(answer.text, "red")
    return render_target(parse_target(answer.text), diffs, MODEL_DIFF, kinds)
