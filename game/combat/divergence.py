"""Where two next-state blocks differ, field by field.

Field names are stable paths a person can read and a script can count:
`outcome.tick`, `outcome.result`, `outcome.amount`, `turn`, `next`,
`m1.hp`, `m1.mp`, `m1.st` (statuses), `m1.cd` (cooldowns), and `rows` when
the combatant lines themselves differ.
"""

from __future__ import annotations

from game.combat.template import Target, TemplateError, parse_target


def fields(target: Target) -> dict[str, object]:
    """The block as a flat mapping of field path -> value."""
    o = target.outcome
    out: dict[str, object] = {
        "outcome.tick": o.tick,
        "outcome.result": o.result,
        "outcome.amount": o.amount,
        "turn": target.turn,
        "next": target.next,
    }
    for r in target.rows:
        out[f"{r.label}.hp"] = r.hp
        out[f"{r.label}.mp"] = r.mp
        out[f"{r.label}.st"] = tuple((s.name, s.turns, s.power) for s in r.statuses)
        out[f"{r.label}.cd"] = r.cooldowns
    return out


def divergences(expected: Target, got: Target) -> list[str]:
    """Every field path where `got` differs from `expected`, in block order."""
    want, have = fields(expected), fields(got)
    diff = [k for k in want if want[k] != have.get(k)]
    diff += [k for k in have if k not in want]
    return diff


def text_divergences(expected: str, got: str | None) -> list[str]:
    """Like `divergences` on texts; an output that does not parse differs
    everywhere, reported as the single path `unparsed`."""
    if got is None:
        return ["unparsed"]
    try:
        return divergences(parse_target(expected), parse_target(got))
    except TemplateError:
        return ["unparsed"]
