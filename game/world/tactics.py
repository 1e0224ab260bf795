"""How combatants choose actions: each monster's fighting style, and the
scripted hero used by self-play and data generation."""

from __future__ import annotations

import random

from game.combat.content import Ability, Content, default
from game.combat.encounter import HERO, Action, Encounter
from game.combat.rules import legal_actions


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


FLEE = Action("flee", HERO)  # not a template action: the game resolves it (Battle.flee)


def _expected(a: Action, encounter: Encounter, content: Content) -> float:
    """Damage an attack is worth on paper, its status's ticks included (not
    when the target already has that status, or would die of the blow)."""
    ab = content.abilities[a.ability]
    me, them = encounter.hero, encounter.get(a.target)
    hit = ab.damage + (me.atk if ab.uses_atk else 0) + 2.5 - (0 if ab.pierce else them.defence)
    hit = max(1.0, hit - (them.status("guard").power if them.status("guard") else 0))
    extra = 0.0
    if ab.applies and them.status(ab.applies.status) is None and them.hp > hit:
        tick = content.statuses[ab.applies.status].tick
        extra = ab.applies.turns * ab.applies.power if tick == "damage" else 2.0 if ab.applies.status == "stun" else 0.0
    return 0.85 * min(hit + extra, them.hp + extra / 2)


def _mends(ab: Ability, content: Content) -> bool:
    """Heals its user now, or puts a healing status on it (regenerate, a regeneration potion)."""
    return ab.heal > 0 or ab.applies is not None and ab.target == "self" and content.statuses[ab.applies.status].tick == "heal"


def _round_damage(encounter: Encounter, content: Content) -> float:
    """About the most the monsters can take off the hero before its next turn:
    each one's best blow with a high die, and the hero's own ticks."""
    me = encounter.hero
    guard = me.status("guard").power if me.status("guard") else 0
    total = float(sum(s.power for s in me.statuses if content.statuses[s.name].tick == "damage"))
    for m in encounter.monsters:
        if not m.alive or m.status("stun"):
            continue
        best = 0
        for name in content.monsters[m.kind].abilities:
            ab = content.abilities[name]
            if ab.attacks and m.mp >= ab.cost:
                best = max(best, ab.damage + (m.atk if ab.uses_atk else 0) + 4 - (0 if ab.pierce else me.defence) - guard)
        total += max(1, best)
    return total


def careful_action(encounter: Encounter, potions: dict[str, int], content: Content | None = None,
                   flee_chance: float = 0.0, parting: int = 0) -> Action:
    """The careful scripted hero: heals before it is in danger (spell, then
    potions), runs when it cannot heal and the fight is going badly (and
    would live through the parting blow, `parting` hp at most), keeps mp
    for a heal, and spends its attacks where they are worth most: the
    monster nearest to dying, with the attack that does most on paper.
    Returns FLEE to run."""
    content = content or default()
    me = encounter.hero
    actions = [a for a in legal_actions(encounter, content)
               if content.abilities[a.ability].item is None or potions.get(content.abilities[a.ability].item, 0) > 0]
    by_name = {a.ability: a for a in actions}
    living = [m for m in encounter.monsters if m.alive]
    threat = _round_damage(encounter, content)
    low = me.hp <= max(me.max_hp * 0.35, threat * 1.3)
    # what mends, whatever the class calls it: a heal (spell before potion),
    # then a regeneration not already running (spell before potion)
    abilities = content.abilities
    heals = sorted((a for a in actions if abilities[a.ability].heal > 0), key=lambda a: abilities[a.ability].item is not None)
    regens = sorted((a for a in actions if _mends(abilities[a.ability], content) and not abilities[a.ability].heal
                     and me.status(abilities[a.ability].applies.status) is None),
                    key=lambda a: abilities[a.ability].item is not None)
    if low:
        if heals:
            return heals[0]
        if regens:
            return regens[0]
        if flee_chance >= 0.3 and parting < me.hp <= threat:
            return FLEE
        if "guard" in by_name and me.status("guard") is None and len(living) > 1:
            return by_name["guard"]
    heal_cost = min((abilities[n].cost for n in content.hero.abilities
                     if abilities[n].item is None and _mends(abilities[n], content)), default=0)  # the mp a mending spell needs
    attacks = [a for a in actions if content.abilities[a.ability].attacks]
    if me.hp < me.max_hp * 0.7:  # keep the mp for a heal
        attacks = [a for a in attacks if me.mp - content.abilities[a.ability].cost >= heal_cost] or attacks
    if not attacks:
        return actions[0]
    weakest = min(living, key=lambda m: (m.hp, m.label))
    on_weakest = [a for a in attacks if a.target == weakest.label] or attacks
    return max(on_weakest, key=lambda a: (_expected(a, encounter, content), -content.abilities[a.ability].cost))
