"""The dice of a turn: a d20 and a d4, drawn over the ranges the template
declares (schema.D20, schema.D4), so the dice a battle rolls and the numbers a
prompt may hold cannot drift apart. Play, self-play and `generate` all roll
here."""

from __future__ import annotations

import random

from game.combat import schema
from game.combat.encounter import Rolls


def roll(rng: random.Random) -> Rolls:
    """A turn's dice from `rng` (the d20 first: the draws' order fixes a seed's bytes)."""
    return Rolls(rng.randint(schema.D20.lo, schema.D20.hi), rng.randint(schema.D4.lo, schema.D4.hi))
