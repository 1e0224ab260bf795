"""The side-by-side view of a next state: readable in half a battle screen."""

from __future__ import annotations

import io

from rich.console import Console

from game.combat.template import parse_target
from game.ui.screens.compare import render_target
from game.world.generate import transitions


def drawn(target: str, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None, file=io.StringIO())
    console.print(render_target(parse_target(target), set(), "", {}))
    return console.export_text().splitlines()


def test_every_line_of_a_next_state_fits_half_the_panel():
    for r in transitions(300, 3):
        lines = drawn(r["target"], 30)
        assert max(len(line.rstrip()) for line in lines) <= 30, "\n".join(lines)


def test_a_wrapped_line_stays_under_its_label():
    """The hero's four cooldown slots once wrapped to the panel's first column."""
    target = next(r["target"] for r in transitions(50, 3) if "poison_strike" in r["target"])
    lines = drawn(target, 30)
    at = next(i for i, line in enumerate(lines) if line.startswith(" cd  poison_strike"))
    assert lines[at + 1].startswith(" " * 5) and lines[at + 1].strip()


def test_the_hero_row_shows_the_class_not_the_templates_word():
    """The template calls every hero 'knight'; a pyromancer's comparison
    read 'hero knight'. The row shows the class given, or no word."""
    from game.ui.screens.compare import render_comparison

    r = next(r for r in transitions(50, 3))
    assert " knight " in f" {r['prompt']} "  # the template's word is there to hide

    def shown(**kw) -> str:
        console = Console(width=100, record=True, color_system=None, file=io.StringIO())
        console.print(render_comparison(r["prompt"], r["target"], [], **kw))
        return console.export_text()

    hero_row = next(line for line in shown(hero="pyromancer").splitlines() if line.lstrip().startswith("hero"))
    assert "pyromancer hp" in hero_row and "knight" not in hero_row
    assert "knight" not in shown()
    assert "knight" in shown(raw=True)  # the raw template is the template
