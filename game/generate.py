"""Sampling combat transitions for training and evaluation.

Two sources, mixed half and half:
- battles: whole fights as play produces them (a hero of some level against
  1-3 monsters of a floor, scripted choices, fair dice), every turn recorded;
- broad: single states drawn over the whole space the template admits
  (any stats, statuses, cooldowns, turn counts, dead monsters, hp at 1), so
  the model also sees corners that play reaches rarely.
Everything is drawn from one seeded random.Random, so a seed fixes the bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from . import roster, tactics
from .content import Content, default
from .encounter import (
    HERO,
    HERO_KIND,
    MAX_ATK,
    MAX_DEF,
    MAX_MP,
    MAX_STAT,
    MAX_TURN,
    MONSTER_LABELS,
    Action,
    Combatant,
    Encounter,
    Rolls,
    Status,
)
from .rules import legal_actions, resolve
from .template import Target, serialize_prompt, serialize_target

RECORD_VERSION = 1
MAX_BATTLE_TURNS = 120


@dataclass(frozen=True)
class Transition:
    before: Encounter
    action: Action
    rolls: Rolls
    target: Target

    def record(self, source: str) -> dict:
        return {
            "version": RECORD_VERSION,
            "source": source,
            "prompt": serialize_prompt(self.before, self.action, self.rolls),
            "target": serialize_target(self.target),
        }


def roll(rng: random.Random) -> Rolls:
    return Rolls(rng.randint(1, 20), rng.randint(1, 4))


def step(encounter: Encounter, action: Action, rolls: Rolls, content: Content | None = None) -> tuple[Transition, Encounter]:
    outcome, after = resolve(encounter, action, rolls, content)
    return Transition(encounter, action, rolls, Target.of(outcome, after)), after


def pick_monsters(depth: int, rng: random.Random, content: Content | None = None) -> list[str]:
    """1-3 monster kinds a floor of `depth` could field together."""
    content = content or default()
    pool = [m.name for m in content.monsters.values() if m.depth <= depth and not m.boss]
    count = rng.choices((1, 2, 3), weights=(4, 3, 2))[0]
    return [rng.choice(pool) for _ in range(count)]


def battle(rng: random.Random, content: Content | None = None) -> Iterator[Transition]:
    """One whole fight, as play would produce it."""
    content = content or default()
    depth = rng.randint(1, 6)
    level = max(1, min(10, depth + rng.randint(-1, 3)))
    bonus = {s: rng.randint(0, 2) for s in ("atk", "def")}
    hero = roster.hero_at(level, content, bonus)
    hero = hero.with_(hp=rng.randint(max(1, hero.max_hp // 3), hero.max_hp))
    if depth == 6 and rng.random() < 0.3:
        kinds = ["dragon"]
    else:
        kinds = pick_monsters(depth, rng, content)
    encounter = roster.encounter(hero, kinds, content)
    potions = {"healing_potion": rng.randint(0, 2), "regen_potion": rng.randint(0, 2)}
    for _ in range(MAX_BATTLE_TURNS):
        if encounter.over:
            return
        action = tactics.choose(encounter, rng, potions, content)
        item = content.abilities[action.ability].item
        if item:
            potions[item] -= 1
        transition, encounter = step(encounter, action, roll(rng), content)
        yield transition


def _random_combatant(label: str, kind: str, abilities: tuple[str, ...], rng: random.Random,
                      content: Content, alive: bool) -> Combatant:
    max_hp = rng.choice((rng.randint(1, 20), rng.randint(1, MAX_STAT), rng.randint(20, 70)))
    hp = rng.choice((1, max_hp, rng.randint(1, max_hp), rng.randint(1, min(max_hp, 6)))) if alive else 0
    max_mp = rng.randint(0, MAX_MP)
    mp = rng.choice((0, max_mp, rng.randint(0, max_mp)))
    statuses = ()
    if alive:
        statuses = tuple(
            Status(name, rng.choice((1, 1, rng.randint(1, 9))),
                   0 if name == "stun" else rng.choice((rng.randint(1, 4), rng.randint(1, 9))))
            for name in content.status_order if rng.random() < 0.25
        )
    slots = tuple((a, rng.choice((0, 0, 1, rng.randint(0, 9)))) for a in content.cooldown_slots(abilities))
    return Combatant(label, kind, hp, max_hp, mp, max_mp, rng.randint(0, MAX_ATK), rng.randint(0, MAX_DEF), statuses, slots)


def broad(rng: random.Random, content: Content | None = None) -> Transition:
    """One transition from a state drawn over the whole template space."""
    content = content or default()
    while True:
        count = rng.randint(1, len(MONSTER_LABELS))
        kinds = [rng.choice(list(content.monsters)) for _ in range(count)]
        living = [rng.random() < 0.8 for _ in kinds]
        if not any(living):
            living[rng.randrange(count)] = True
        hero = _random_combatant(HERO, HERO_KIND, content.hero.abilities, rng, content, True)
        monsters = tuple(
            _random_combatant(label, k, content.monsters[k].abilities, rng, content, alive)
            for label, k, alive in zip(MONSTER_LABELS, kinds, living, strict=False)
        )
        turn = rng.choice((rng.randint(1, 30), rng.randint(1, MAX_TURN)))
        actor = rng.choice([c.label for c in (hero, *monsters) if c.alive])
        encounter = Encounter(turn, actor, (hero, *monsters))
        actions = legal_actions(encounter, content)
        if actions:
            return step(encounter, rng.choice(actions), roll(rng), content)[0]


def transitions(n: int, seed: int, content: Content | None = None) -> Iterator[dict]:
    """`n` records, half from battles and half broad, interleaved by the seed."""
    content = content or default()
    rng = random.Random(seed)
    fight: Iterator[Transition] = iter(())
    for _ in range(n):
        if rng.random() < 0.5:
            yield broad(rng, content).record("broad")
            continue
        t = next(fight, None)
        while t is None:
            fight = battle(rng, content)
            t = next(fight, None)
        yield t.record("battle")
