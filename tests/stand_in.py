"""A fixed stand-in for the model, so a divergence happens on a known turn.

It answers exactly as the rules do, except on the encounter's turn 2 (the
first monster's turn of a fight), where it writes m1's hp 10 lower (never
below 1, so the fight goes on): a mistake a player can see and a test can
count on, whatever the dice."""

from __future__ import annotations

from dataclasses import replace

from game.combat.resolver import EngineResolver, Resolution
from game.combat.template import parse_prompt, parse_target, serialize_target
from game.world.model_side import ModelSide, model_side

WRONG_TURN = 2


class StandIn:
    name = "stand-in"
    weights_name = "stand-in"
    weights_sha256 = "0" * 64

    def __init__(self):
        self.engine = EngineResolver()

    def resolve(self, prompt: str) -> Resolution:
        right = self.engine.resolve(prompt)
        if right.text is None or parse_prompt(prompt).encounter.turn != WRONG_TURN:
            return right
        target = parse_target(right.text)
        rows = tuple(replace(r, hp=max(1, r.hp - 10)) if r.label == "m1" and r.hp > 0 else r for r in target.rows)
        return Resolution(serialize_target(replace(target, rows=rows)), True)


def stand_in() -> ModelSide:
    return model_side(StandIn())
