"""The side-by-side view of a next state: readable in half a battle screen."""

from __future__ import annotations

from game.generate import transitions
from game.screens.compare import render_target
from game.template import parse_target


def test_every_line_of_a_next_state_fits_half_the_panel():
    """The hero's four cooldown slots once wrapped under the label; they now
    go two to a line, under the `cd`."""
    for r in transitions(300, 3):
        text = render_target(parse_target(r["target"]), set(), "", {}).plain
        assert max(len(line) for line in text.splitlines()) <= 40, text


def test_cooldowns_keep_their_indent():
    target = next(r["target"] for r in transitions(50, 3) if "poison_strike" in r["target"])
    lines = render_target(parse_target(target), set(), "", {}).plain.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("     cd poison_strike"))
    assert lines[at + 1].startswith("        ") and "guard:" in lines[at + 1]
