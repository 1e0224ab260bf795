"""The teacher: an engine-backed search that finds the better action.

For the actor whose turn it is, every legal action is tried in `rollouts`
simulated futures: the rules resolve the action with fresh dice, then both
sides play on by their scripted policies (the careful hero, the monsters'
styles) to the fight's end. Each action's futures share their dice seeds
(common random numbers), so actions are compared on the same luck. An
action's value is what the fight is worth to the actor's side:

- to the hero: winning (1), plus a little for the hp it keeps, less a part
  of a potion for each one it drank (potions are the run's, not the fight's);
- to a monster: 1 less the hero's value (the monsters are one side).

This is policy improvement over the scripted players: one step of choice,
then the scripts. It is far too slow to play every turn (tens of thousands
of engine turns a decision), which is why specialists distil it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from game.combat.content import Content, default
from game.combat.dice import roll
from game.combat.encounter import HERO, Action, Encounter
from game.combat.rules import legal_actions, resolve
from game.world import tactics

HORIZON = 40  # turns a simulated future runs before it is scored as it stands
POTION = 0.25  # a potion drunk, in fights won
HP = 0.3  # the whole of the hero's hp kept, in fights won


@dataclass(frozen=True)
class Choice:
    action: Action
    value: float  # the mean value of its futures to the actor's side, 0..1.3
    values: tuple[tuple[Action, float], ...]  # every action tried, best first


def hero_worth(encounter: Encounter, drunk: int) -> float:
    """A finished (or cut-off) future's worth to the hero."""
    hero = encounter.hero
    if not hero.alive:
        return 0.0
    kept = HP * hero.hp / hero.max_hp - POTION * drunk
    if encounter.over:
        return 1.0 + kept
    living = [m for m in encounter.monsters if m.alive]  # cut off: how far the fight has gone
    share = sum(m.hp for m in living) / max(1, sum(m.max_hp for m in encounter.monsters))
    return 0.5 * (1 - share) + kept


def usable(encounter: Encounter, potions: dict[str, int], content: Content) -> list[Action]:
    """The actor's legal actions; the hero's potions only while it has them."""
    actions = legal_actions(encounter, content)
    if encounter.actor != HERO:
        return actions
    return [a for a in actions if content.abilities[a.ability].item is None
            or potions.get(content.abilities[a.ability].item, 0) > 0]


def future(encounter: Encounter, action: Action, potions: dict[str, int], rng: random.Random,
           content: Content) -> float:
    """One simulated future after `action`, its worth to the hero."""
    potions = dict(potions)
    drunk = 0
    for _ in range(HORIZON):
        item = content.abilities[action.ability].item
        outcome, encounter = resolve(encounter, action, roll(rng), content)
        if item and outcome.result not in ("stunned", "down") and potions.get(item, 0) > 0 and action.target == HERO:
            potions[item] -= 1
            drunk += 1
        if encounter.over:
            break
        if encounter.actor == HERO:
            action = tactics.careful_action(encounter, potions, content)
        else:
            action = tactics.monster_action(encounter, rng, content)
    return hero_worth(encounter, drunk)


def best(encounter: Encounter, potions: dict[str, int] | None = None, content: Content | None = None,
         rollouts: int = 24, seed: int = 0) -> Choice:
    """The action with the best mean future for whoever's turn it is."""
    content = content or default()
    potions = potions or {}
    actions = usable(encounter, potions, content)
    hero_side = encounter.actor == HERO
    scored = []
    for action in actions:
        total = 0.0
        for k in range(rollouts):
            total += future(encounter, action, potions, random.Random(seed * 7919 + k), content)
        mean = total / rollouts
        scored.append((action, mean if hero_side else 1.0 - mean))
    scored.sort(key=lambda av: -av[1])
    return Choice(scored[0][0], scored[0][1], tuple(scored))
