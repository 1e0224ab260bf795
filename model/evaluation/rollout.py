"""Whole battles where the model's own output becomes the next state: the
one rollout loop behind `eval`'s rollout and the lab's token drift.

Actions and dice follow the engine's battle, so while the model's states
equal the engine's the prompts are identical, and the first differing turn
is where the model leaves the engine's path. A battle runs on past that
(drift shows there) until the model ends it, an output does not parse, or
the engine's battle ends. Every turn, all the running battles are answered
in one batched pass (answers.raw: guard off; the guard's verdict is kept
beside each answer).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from game.combat.resolver import EngineResolver
from game.combat.template import TemplateError, block, parse_target, serialize_prompt, serialize_target
from game.world import generate
from model.evaluation import answers
from model.resolver import ModelResolver


@dataclass(frozen=True)
class Step:
    """One answered turn."""

    same: bool  # this output and every earlier one equal the engine's battle
    guarded: bool  # the guard let this prompt and every earlier one through
    local: bool | None  # the output is the engine's answer to the model's own prompt (None: the engine refuses it)


@dataclass
class Played:
    turns: int  # the engine's battle, in turns
    steps: list[Step] = field(default_factory=list)

    @property
    def identical(self) -> int:
        """Turns from the start the game would take as the engine's: same and guarded."""
        return next((k for k, s in enumerate(self.steps) if not (s.same and s.guarded)), len(self.steps))


def play(resolver: ModelResolver, battles: int, seed: int, free: bool = False) -> list[Played]:
    """`battles` engine battles (seeded) replayed on the model's states; with
    `free`, no grammar (a battle also stops when an output does not parse)."""
    rng = random.Random(seed)
    engine = EngineResolver(resolver.content)
    fights = [list(generate.battle(rng, resolver.content)) for _ in range(battles)]
    played = [Played(len(f)) for f in fights]
    states = [f[0].before if f else None for f in fights]
    running = [bool(f) for f in fights]
    for k in range(max((len(f) for f in fights), default=0)):
        live = [b for b in range(battles) if running[b] and k < len(fights[b])]
        prompts = [serialize_prompt(states[b], fights[b][k].action, fights[b][k].rolls) for b in live]
        outputs = answers.raw(resolver, [(p, None) for p in prompts], free=free)
        for b, prompt, out in zip(live, prompts, outputs, strict=True):
            before = played[b].steps[-1] if played[b].steps else Step(True, True, None)
            want = engine.resolve(prompt).text
            answer = block(out) if out is not None else None  # the state; a slip only in the work leaves it right
            played[b].steps.append(Step(before.same and answer == block(serialize_target(fights[b][k].target)),
                                        before.guarded and resolver.guard.reason(prompt) is None,
                                        None if want is None else answer == block(want)))
            try:
                states[b] = parse_target(out or "", resolver.content).apply(states[b])
            except (TemplateError, TypeError):
                running[b] = False
                continue
            running[b] = not states[b].over
    return played
