"""`pico-rogue selfplay`: whole battles with the scripted hero and no screen,
saved exactly as play saves them (for gathering training data, and tests)."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from . import battle_save, roster
from .battle import Battle, ModelSide, load_model
from .content import Content, default
from .generate import MAX_BATTLE_TURNS, pick_monsters
from .tactics import hero_action


def setup(rng: random.Random, content: Content) -> tuple[int, list[str], int, dict[str, int]]:
    """A fight as a run would meet it: depth, monsters, hero level, potions."""
    depth = rng.randint(1, 6)
    kinds = ["dragon"] if depth == 6 and rng.random() < 0.3 else pick_monsters(depth, rng, content)
    level = max(1, min(10, depth + rng.randint(0, 2)))
    potions = {"healing_potion": rng.randint(0, 2), "regen_potion": rng.randint(0, 1)}
    return depth, kinds, level, potions


def play_battle(seed: int, model: ModelSide, trust: bool = False, content: Content | None = None) -> tuple[Battle, int]:
    """One scripted battle from `seed`; returns it and its depth."""
    content = content or default()
    rng = random.Random(seed)
    depth, kinds, level, potions = setup(rng, content)
    battle = Battle(roster.encounter(roster.hero_at(level, content), kinds, content), model=model.resolver,
                    seed=rng.randrange(2**31), potions=potions, content=content)
    for _ in range(MAX_BATTLE_TURNS):
        if battle.over:
            break
        if battle.hero_to_act:
            action = hero_action(battle.encounter, battle.rng, battle.potions, content)
            battle.play(action, trust)
        else:
            battle.play_monster(trust)
    return battle, depth


def run(battles: int, seed: int, saves: Path | None, model: ModelSide, trust: bool = False, out=None) -> list[Path]:
    out = out or sys.stdout
    written = []
    won = turns = agreed = asked = 0
    for i in range(battles):
        battle, depth = play_battle(seed * 100_003 + i, model, trust)
        data = battle_save.record(battle, seed=seed * 100_003 + i, weights=model.weights, depth=depth, source="selfplay")
        written.append(battle_save.save(data, saves, stem=f"selfplay-s{seed}-b{i:04d}"))
        won += battle.won
        turns += len(battle.turns)
        agreed += battle.tally.agreed
        asked += battle.tally.asked
    agreement = f"{agreed}/{asked} turns agree ({100 * agreed / asked:.1f}%)" if asked else "model not asked"
    folder = written[0].parent if written else (saves or battle_save.SAVES)
    print(f"{battles} battles, {turns} turns, hero won {won}; {agreement}; written to {folder}", file=out)
    return written


def main(args: argparse.Namespace) -> int:
    from .cli import UsageError

    if args.battles < 0:
        raise UsageError("--battles must be 0 or more")
    if args.engine_only:
        if args.trust_model:
            raise UsageError("--trust-model needs the model: drop --engine-only")
        model = ModelSide(None, "unavailable", "engine only")
    else:
        model = load_model(args.weights)
        if not model.ready:
            if args.weights is not None or args.trust_model:
                raise UsageError(f"the model is unavailable: {model.detail}")
            print(f"note: the model is unavailable ({model.detail}); playing with the rules only", file=sys.stderr)
    run(args.battles, args.seed, args.saves, model, args.trust_model)
    return 0
