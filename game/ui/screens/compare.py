"""The side-by-side view of one turn: the rules engine's next state beside the
model's (and, in a rerun, a second model's), every differing field
highlighted. Used by the battle screen and the replay viewer alike."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from game.combat.content import default
from game.combat.divergence import text_divergences
from game.combat.encounter import HERO
from game.combat.inert import inert
from game.combat.template import Target, TemplateError, parse_prompt, parse_target

ENGINE_DIFF = "bold black on yellow"
MODEL_DIFF = "bold white on red"


@dataclass(frozen=True)
class Answer:
    """One column of the comparison: who answered, and what."""

    title: str
    text: str | None
    valid: bool
    error: str | None = None
    applied: bool = False


def marked(reference: str, other: str | None, ref_style: str = ENGINE_DIFF, other_style: str = MODEL_DIFF,
           brackets: bool = True) -> tuple[Text, Text]:
    """Both texts, every line, with the words that differ marked: lines are
    paired by their first word (the template's labels), then compared word
    by word. A word only one side has is marked too. With `brackets` the
    marks survive where colour does not (a pipe, a file): `hp [6]`."""
    ref_lines = reference.split("\n")
    other_lines = [] if other is None else other.split("\n")
    ref_out, other_out = Text(), Text()

    def add(out: Text, words: list[str], flags: list[bool], style: str) -> None:
        if out:
            out.append("\n")
        for n, (word, differs) in enumerate(zip(words, flags, strict=True)):
            if n:
                out.append(" ")
            out.append(f"[{word}]" if differs and brackets else word, style if differs else "")

    keys = difflib.SequenceMatcher(None, [line.split(" ")[0] for line in ref_lines],
                                   [line.split(" ")[0] for line in other_lines], autojunk=False)
    for op, a0, a1, b0, b1 in keys.get_opcodes():
        pairs = min(a1 - a0, b1 - b0) if op in ("equal", "replace") else 0
        for i in range(a0, a1):
            j = b0 + (i - a0)
            ref_words = ref_lines[i].split(" ")
            if i - a0 < pairs:
                other_words = other_lines[j].split(" ")
                ref_flags, other_flags = [True] * len(ref_words), [True] * len(other_words)
                words = difflib.SequenceMatcher(None, ref_words, other_words, autojunk=False)
                for wop, w0, w1, v0, v1 in words.get_opcodes():
                    if wop == "equal":
                        ref_flags[w0:w1] = [False] * (w1 - w0)
                        other_flags[v0:v1] = [False] * (v1 - v0)
                add(ref_out, ref_words, ref_flags, ref_style)
                add(other_out, other_words, other_flags, other_style)
            else:
                add(ref_out, ref_words, [True] * len(ref_words), ref_style)
        for j in range(b0 + pairs, b1):
            other_words = other_lines[j].split(" ")
            add(other_out, other_words, [True] * len(other_words), other_style)
    return ref_out, other_out


def hanging(text: Text) -> Table:
    """A template text line by line, each line's first word (its label) in a
    column of its own: a long line wraps under its values, not to the edge."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    for line in text.split("\n"):
        cut = line.plain.find(" ")
        if cut < 0:
            grid.add_row(line, "")
        else:
            label, rest = line.divide([cut, cut + 1])[0::2]
            grid.add_row(label, rest)
    return grid


def head(prompt: str) -> Text:
    """'turn 12 · m1 goblin: ignite → hero · d20 14, d4 3' from a prompt."""
    try:
        p = parse_prompt(prompt)
    except TemplateError:
        return Text(inert(prompt.split("\n")[0]))
    actor = p.encounter.get(p.encounter.actor)
    who = "hero" if actor.label == "hero" else f"{actor.label} {actor.kind}"
    t = Text()
    t.append(f"turn {p.encounter.turn}  ", "dim")
    t.append(who, "bold")
    t.append(f": {p.action.ability} → {p.action.target}", "bold cyan")
    t.append(f"   roll d20 {p.rolls.d20}, d4 {p.rolls.d4}", "dim")
    return t


def turn_of(prompt: str) -> int | None:
    """The encounter's turn counter in a prompt (what `head` shows), or None."""
    try:
        return parse_prompt(prompt).encounter.turn
    except TemplateError:
        return None


def kinds_of(prompt: str, hero: str = "") -> dict[str, str]:
    """Each label's kind as the rows show it. The template calls every hero
    'knight' (its word for the hero's row); the hero's class, where it is
    known, is shown instead, or nothing."""
    try:
        kinds = {c.label: c.kind for c in parse_prompt(prompt).encounter.combatants}
    except TemplateError:
        return {}
    return kinds | {HERO: hero}


def short(status: str) -> str:
    kind = default().statuses.get(status)
    return kind.short if kind else status


def render_target(target: Target, diffs: set[str], style: str, kinds: dict[str, str]) -> Table:
    """A next state as readable lines; each field in `diffs` in `style`.
    Labels sit in their own column, so a long line wraps under its values,
    never back to the panel's edge."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(ratio=1)

    def fields(*parts: tuple[str, str] | str) -> Text:
        t = Text()
        for part in parts:
            if isinstance(part, str):
                t.append(part, "dim")
            else:
                path, text = part
                t.append(text, style if path in diffs else "")
        return t

    o = target.outcome
    grid.add_row("", fields(("outcome.result", o.result), " ", ("outcome.amount", str(o.amount)), "  tick ",
                            ("outcome.tick", f"{o.tick:+d}")))
    grid.add_row("", fields("turn ", ("turn", str(target.turn)), "  next ", ("next", target.next)))
    for r in target.rows:
        kind = kinds.get(r.label, "")
        line = Text()
        line.append(f"{kind} " if kind else "", "bold")
        line.append_text(fields("hp ", (f"{r.label}.hp", f"{r.hp:>2}"), " mp ", (f"{r.label}.mp", f"{r.mp:>2}")))
        grid.add_row(Text(r.label, "bold"), line)
        grid.add_row(" st", fields((f"{r.label}.st", " ".join(f"{short(s.name)} {s.turns}/{s.power}"
                                                               for s in r.statuses) or "-")))
        grid.add_row(" cd", fields((f"{r.label}.cd", " ".join(f"{a}:{n}" for a, n in r.cooldowns) or "-")))
    return grid


def render_comparison(prompt: str, engine: str, others: list[Answer], *, engine_applied: bool = True,
                      raw: bool = False, hero: str = "") -> RenderableType:
    """The engine's next state beside each other answer, differences lit.
    The texts may come from a shared save: control characters are shown
    escaped, never sent to the terminal."""
    prompt, engine = inert(prompt), inert(engine)
    others = [Answer(inert(a.title), None if a.text is None else inert(a.text), a.valid,
                     None if a.error is None else inert(a.error), a.applied) for a in others]
    kinds = kinds_of(prompt, hero)
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

    if raw:
        first = next((a.text for a in others if a.text is not None), None)
        cells.append(hanging(marked(engine, first, brackets=False)[0] if first else Text(engine)))
    else:
        cells.append(Text(engine) if expected is None else render_target(expected, all_diffs, ENGINE_DIFF, kinds))
    for answer, diffs in verdicts:
        cells.append(render_answer(answer, diffs, raw, kinds, engine))
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
        parts += [Text("prompt", "dim"), hanging(Text(prompt, "cyan")), Text("")]
    parts += [table, Text(""), summary]
    return Group(*parts)


def render_answer(answer: Answer, diffs: set[str], raw: bool, kinds: dict[str, str], engine: str = "") -> RenderableType:
    if answer.text is None:
        return Text(f"✗ refused\n{answer.error or ''}", "bold red")
    if raw:
        return hanging(marked(engine, answer.text, brackets=False)[1] if engine else Text(answer.text))
    if not answer.valid or "unparsed" in diffs:
        return Text(f"✗ did not parse: {answer.error or ''}\n", "bold red") + Text(answer.text, "red")
    return render_target(parse_target(answer.text), diffs, MODEL_DIFF, kinds)
