"""The rules engine: the ground truth for one combat transition.

`resolve` is a pure function of (encounter, action, rolls): every random
choice was already made by the dice in `rolls`. The order of a turn:

1. the actor's statuses tick (damage or heal by their power), then each loses
   a turn and those at 0 are gone;
2. an actor the tick killed is `down` and does nothing; a stunned one loses
   its action;
3. otherwise the ability resolves: d20 of 1-3 misses, 20 is a critical hit
   (ignores def); damage is base + (atk) + d4 - def - guard, at least 1;
4. the actor's cooldowns count down, the used ability's is set, its mp paid;
5. the dead lose their statuses; the turn counter rises; the next actor is the
   next living combatant, or `end` when one side is dead.

As it goes, `resolve` keeps the work of its arithmetic (the outcome's `work`:
each sum's terms, each changed hp, who is left alive), which template v2
writes before the next-state block.
"""

from __future__ import annotations

from game.combat.content import Content, default
from game.combat.encounter import (
    END,
    HERO,
    MAX_TURN,
    Action,
    Alive,
    Combatant,
    Encounter,
    HpChange,
    Outcome,
    Rolls,
    Status,
    Step,
    Sum,
)

MISS_MAX = 3
CRIT = 20


class IllegalAction(ValueError):
    """The action cannot be taken in this state (cooldown, mp, target)."""


def clamp(value: int, lo: int, hi: int) -> int:
    return max(lo, min(hi, value))


def check_action(encounter: Encounter, action: Action, content: Content | None = None) -> None:
    """Raise IllegalAction if the actor may not take `action` now."""
    content = content or default()
    if encounter.over:
        raise IllegalAction("the encounter is over")
    actor = encounter.get(encounter.actor)
    if not actor.alive:
        raise IllegalAction(f"{actor.label} is dead and cannot act")
    ability = content.abilities.get(action.ability)
    if ability is None:
        raise IllegalAction(f"unknown ability {action.ability!r}")
    if ability.cooldown and action.ability not in dict(actor.cooldowns):
        raise IllegalAction(f"{actor.label} has no {action.ability} slot")
    if actor.cooldown(action.ability) > 0:
        raise IllegalAction(f"{action.ability} is on cooldown ({actor.cooldown(action.ability)})")
    if actor.mp < ability.cost:
        raise IllegalAction(f"{action.ability} costs {ability.cost} mp, {actor.label} has {actor.mp}")
    try:
        target = encounter.get(action.target)
    except KeyError:
        raise IllegalAction(f"no combatant {action.target!r}") from None
    if ability.target == "self" and action.target != actor.label:
        raise IllegalAction(f"{action.ability} targets its user")
    if ability.target == "enemy":
        if (action.target == HERO) == (actor.label == HERO):
            raise IllegalAction(f"{action.ability} must target an enemy")
        if not target.alive:
            raise IllegalAction(f"{action.target} is already dead")


def legal_actions(encounter: Encounter, content: Content | None = None) -> list[Action]:
    """Every action the actor may take now (items not checked: that is inventory)."""
    content = content or default()
    actor = encounter.get(encounter.actor)
    kind_abilities = content.hero.abilities if actor.label == HERO else content.monsters[actor.kind].abilities
    out = []
    for name in kind_abilities:
        ability = content.abilities[name]
        targets = [actor.label] if ability.target == "self" else [
            c.label for c in encounter.combatants if c.alive and (c.label == HERO) != (actor.label == HERO)
        ]
        for t in targets:
            action = Action(name, t)
            try:
                check_action(encounter, action, content)
            except IllegalAction:
                continue
            out.append(action)
    return out


def _set_status(c: Combatant, status: Status, order: tuple[str, ...]) -> Combatant:
    kept = [s for s in c.statuses if s.name != status.name] + [status]
    return c.with_(statuses=tuple(sorted(kept, key=lambda s: order.index(s.name))))


def _change(c: Combatant, delta: int, after: int) -> HpChange:
    total = max(0, c.hp + delta)
    return HpChange(c.label, c.hp, delta, total, c.max_hp)


def _bury(c: Combatant) -> Combatant:
    return c if c.alive else c.with_(statuses=())


def _next_actor(encounter: Encounter, after: str) -> str:
    hero_alive = encounter.hero.alive
    if not hero_alive or not any(m.alive for m in encounter.monsters):
        return END
    labels = [c.label for c in encounter.combatants]
    i = labels.index(after)
    for step in range(1, len(labels) + 1):
        c = encounter.combatants[(i + step) % len(labels)]
        if c.alive:
            return c.label
    return END


def resolve(encounter: Encounter, action: Action, rolls: Rolls, content: Content | None = None) -> tuple[Outcome, Encounter]:
    """Apply one actor's turn; returns what happened and the next encounter."""
    content = content or default()
    check_action(encounter, action, content)
    ability = content.abilities[action.ability]
    actor = encounter.get(encounter.actor)

    # 1. statuses tick, then lose a turn
    work: list[Step] = []
    ticks = []
    for s in actor.statuses:
        kind = content.statuses[s.name].tick
        value = s.power if kind == "heal" else -s.power if kind == "damage" else 0
        if value:
            ticks.append((s.name, value))
    tick = sum(v for _, v in ticks)
    stunned = actor.status("stun") is not None
    aged = tuple(Status(s.name, s.turns - 1, s.power) for s in actor.statuses if s.turns > 1)
    hp = clamp(actor.hp + tick, 0, actor.max_hp)
    if ticks:
        work += [Sum.of("ticks", tuple(ticks)), _change(actor, tick, hp)]
    actor = actor.with_(hp=hp, statuses=aged)

    # 2. down or stunned: no action, but time passes for cooldowns
    slots = tuple((a, max(0, t - 1)) for a, t in actor.cooldowns)
    if not actor.alive:
        encounter = encounter.replacing(_bury(actor))
        outcome = Outcome(tick, "down", 0)
    elif stunned:
        encounter = encounter.replacing(actor.with_(cooldowns=slots))
        outcome = Outcome(tick, "stunned", 0)
    else:
        # 3. the ability
        if ability.cooldown:
            slots = tuple((a, ability.cooldown if a == ability.name else t) for a, t in slots)
        actor = actor.with_(cooldowns=slots, mp=actor.mp - ability.cost)
        order = content.status_order
        if ability.attacks:
            target = encounter.get(action.target)
            if rolls.d20 <= MISS_MAX:
                outcome = Outcome(tick, "miss", 0)
            else:
                crit = rolls.d20 == CRIT
                guard = target.status("guard")
                terms = [("base", ability.damage), ("atk", actor.atk if ability.uses_atk else 0), ("roll", rolls.d4),
                         ("def", 0 if crit or ability.pierce else -target.defence),
                         ("guard", -guard.power if guard else 0)]
                worked = Sum.of("damage", tuple((part, v) for part, v in terms if v))
                damage = max(1, worked.total)
                outcome = Outcome(tick, "crit" if crit else "hit", damage)
                hit = clamp(target.hp - damage, 0, target.max_hp)
                work += [worked, _change(target, -damage, hit)]
                target = target.with_(hp=hit)
                if ability.applies and target.alive:
                    a = ability.applies
                    target = _set_status(target, Status(a.status, a.turns, a.power), order)
            encounter = encounter.replacing(actor, _bury(target))
        else:
            if ability.heal:
                worked = Sum.of("healing", (("base", ability.heal), ("roll", rolls.d4)))
                healed = clamp(actor.hp + worked.total, 0, actor.max_hp)
                work += [worked, _change(actor, worked.total, healed)]
                actor = actor.with_(hp=healed)
                outcome = Outcome(tick, "heal", worked.total)
            else:
                outcome = Outcome(tick, "buff", 0)
            if ability.applies:
                a = ability.applies
                actor = _set_status(actor, Status(a.status, a.turns, a.power), order)
            encounter = encounter.replacing(actor)

    # 5. the clock and the next actor
    after = Encounter(min(MAX_TURN, encounter.turn + 1), encounter.actor, encounter.combatants)
    work.append(Alive(tuple(c.label for c in after.combatants if c.alive)))
    outcome = Outcome(outcome.tick, outcome.result, outcome.amount, tuple(work))
    return outcome, Encounter(after.turn, _next_actor(after, actor.label), after.combatants)
