"""Who decides, when it is not a script: the specialists as the game holds
them (model/specialists, handed over by the command line, never imported
here). Each is asked for one battle decision and may be unavailable; the
scripted players are always there to fall back on.
"""

from __future__ import annotations

from typing import Protocol

from game.combat.content import Content
from game.combat.describe import damage_range
from game.combat.encounter import HERO, Action, Encounter
from game.world import search
from game.world.battle import Battle
from game.world.tactics import careful_action


class Deciders(Protocol):
    """model.specialists.registry.Specialists, as the game sees it."""

    def choose(self, task: str, encounter: Encounter, actions: list[Action], content: Content,
               plan: Action | None = None, spent: int = 0) -> Action: ...


def advice(deciders: Deciders, battle: Battle) -> Action:
    """The advisor's action for the hero, among the actions usable now.
    Where a blow kills the plan's target at its least, that blow (the
    finisher), without asking. Otherwise the advisor reads the careful
    hero's plan too: what it learned is when to do otherwise
    (model/training/teach.py), a number of times a battle that its card
    sets; asked twice in a turn, it answers the same."""
    actions = search.usable(battle.encounter, battle.potions, battle.content)
    plan = careful_action(battle.encounter, battle.potions, battle.content)
    blow = finisher(plan, actions, battle)
    if blow:  # a blow that kills at its least needs no second opinion
        return blow
    turn = battle.encounter.turn
    spent = len(battle.advised - {turn})
    action = deciders.choose("advice", battle.encounter, actions, battle.content, plan, spent)
    if action != plan:
        battle.advised.add(turn)
    return action


def kills(action: Action, battle: Battle) -> bool:
    """The hero's `action` is an attack that kills its target if it hits,
    at its least damage."""
    ability = battle.content.abilities[action.ability]
    if not ability.attacks or action.target == HERO:
        return False
    target = battle.encounter.get(action.target)
    return damage_range(ability, battle.encounter.hero, target)[0] >= target.hp


def finisher(plan: Action, actions: list[Action], battle: Battle) -> Action | None:
    """Where the plan attacks a monster that one of the hero's blows kills
    at its least damage: that blow (the plan's own if it is one, else the
    cheapest: no item, then mp, then cooldown). The careful script weighs a
    status's ticks and chose ignite on a 5 hp bat that a strike kills; the
    advisor, reading the plan, kept it."""
    abilities = battle.content.abilities
    if plan.target == HERO or not abilities[plan.ability].attacks:
        return None
    killing = [a for a in actions if a.target == plan.target and kills(a, battle)]
    if plan in killing:
        return plan
    return min(killing, default=None, key=lambda a: (abilities[a.ability].item is not None, abilities[a.ability].cost,
                                                     abilities[a.ability].cooldown))


def tactics(deciders: Deciders, battle: Battle) -> Action:
    """The tactician's action for the monster whose turn it is."""
    actions = search.usable(battle.encounter, {}, battle.content)
    return deciders.choose("tactics", battle.encounter, actions, battle.content)


def learned_monsters(deciders: Deciders, every: bool = False):
    """A battle's tactician (Battle.tactician): the monsters whose style is
    `learned` ask the tactician, or `every` monster does; the rest keep their
    styles (None)."""
    failed: list[str] = []

    def choose(battle: Battle) -> Action | None:
        me = battle.encounter.get(battle.encounter.actor)
        if failed or not (every or battle.content.monsters[me.kind].style == "learned"):
            return None
        try:
            return tactics(deciders, battle)
        except Exception as exc:  # noqa: BLE001 - no tactician (missing, broken): the monster fights as a brute
            failed.append(str(exc))
            return None
    choose.failed = failed  # why the tactician was given up, if it was
    return choose
