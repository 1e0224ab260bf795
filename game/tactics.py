"""How combatants choose actions: each monster's fighting style, and the
scripted hero used by self-play and data generation."""

from __future__ import annotations

import random

from .content import Content, default
from .encounter import HERO, Action, Encounter
from .rules import legal_actions


def _strongest(actions: list[Action], content: Content) -> Action:
    """The attack that hits hardest on paper (base damage, then status)."""
    def weight(a: Action) -> tuple[int, int]:
        ab = content.abilities[a.ability]
        return (ab.damage + (3 if ab.pierce else 0), 1 if ab.applies else 0)
    return max(actions, key=weight)


def monster_action(encounter: Encounter, rng: random.Random, content: Content | None = None) -> Action:
    """A monster's choice by its style; a little randomness keeps fights lively."""
    content = content or default()
    me = encounter.get(encounter.actor)
    style = content.monsters[me.kind].style
    actions = legal_actions(encounter, content)
    attacks = [a for a in actions if content.abilities[a.ability].attacks]
    selfish = [a for a in actions if not content.abilities[a.ability].attacks]
    hurt = me.hp * 2 < me.max_hp
    if rng.random() < 0.15:
        return rng.choice(actions)
    if style == "cautious" and hurt and selfish:
        return rng.choice(selfish)
    if style == "caster":
        spells = [a for a in attacks if content.abilities[a.ability].cost > 0]
        if spells:
            return rng.choice(spells)
        if hurt and selfish:
            return rng.choice(selfish)
    return _strongest(attacks, content) if attacks else rng.choice(actions)


def hero_action(encounter: Encounter, rng: random.Random, potions: dict[str, int] | None = None,
                content: Content | None = None) -> Action:
    """The scripted hero: heals when low, otherwise uses its best ready attack
    on the weakest living monster. Potions are used only if it carries them."""
    content = content or default()
    me = encounter.hero
    potions = potions or {}
    actions = [
        a for a in legal_actions(encounter, content)
        if content.abilities[a.ability].item is None or potions.get(content.abilities[a.ability].item, 0) > 0
    ]
    by_name = {a.ability: a for a in actions}
    if me.hp * 3 < me.max_hp:
        for name in ("heal", "quaff_heal", "quaff_regen", "guard"):
            if name in by_name:
                return by_name[name]
    if rng.random() < 0.2:
        return rng.choice(actions)
    living = [m for m in encounter.monsters if m.alive]
    weakest = min(living, key=lambda m: m.hp).label
    attacks = [a for a in actions if a.target == weakest]
    return _strongest(attacks, content) if attacks else rng.choice(actions)


def choose(encounter: Encounter, rng: random.Random, potions: dict[str, int] | None = None,
           content: Content | None = None) -> Action:
    """Whoever's turn it is chooses: the scripted hero or the monster's style."""
    if encounter.actor == HERO:
        return hero_action(encounter, rng, potions, content)
    return monster_action(encounter, rng, content)
