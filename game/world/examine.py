"""Examining what the hero can see: each monster in words (kind, hp,
statuses, every ability with its numbers, whether it has noticed the hero),
for the examine screen on the map and in battle. The words are
describe.look's; this adds what only the run knows (where a monster is,
whether it is awake or has lost the trail)."""

from __future__ import annotations

from dataclasses import dataclass

from game.combat.describe import look
from game.combat.encounter import HERO
from game.world.battle import Battle
from game.world.run import Run, distance, where


@dataclass(frozen=True)
class Sighting:
    """One thing examined: its name and its lines."""

    name: str
    lines: tuple[str, ...]


def on_map(run: Run) -> list[Sighting]:
    """The monsters in sight, nearest first."""
    out = []
    seen = sorted(run.in_sight(), key=lambda m: (distance(m.pos, run.pos), m.id))
    for m in seen:
        c = run.as_met(m, "m1")
        lines = look(c, run.content)
        if m.lost:
            noticed = f"It has lost your trail for {m.lost} more move{'s' if m.lost != 1 else ''}."
        elif m.awake:
            noticed = "It has noticed you and is coming."
        else:
            noticed = "It has not noticed you yet (it wakes when you come within 6 steps in its sight)."
        out.append(Sighting(f"{m.kind}, {where(run.pos, m.pos)}", (lines[0], noticed, *lines[1:])))
    return out


def in_battle(battle: Battle) -> list[Sighting]:
    """The monsters of the battle still standing, then the hero (its own
    abilities in full, where a small screen's action list is short)."""
    out = []
    for c in battle.living_monsters():
        out.append(Sighting(f"{c.label} {c.kind}", tuple(look(c, battle.content))))
    hero = battle.encounter.get(HERO)
    out.append(Sighting("you", tuple(look(hero, battle.content))))
    return out
