"""Drawn rules: training data for a model that reads the rules from its
prompt (template v4) instead of recalling one table.

Each draw is the bundled content with its rule numbers drawn again within
the template's ranges (an ability's base damage, whether atk adds and def is
pierced, heal, cost, cooldown, the status it applies with turns and power;
what each status's tick does), the statuses in a shuffled order, a few new
statuses and abilities added, and the monsters' ability lists dealt again.
The game's own generator then plays battles and draws states with that
content, so the network sees the mechanics under many tables and learns to
read the one in the prompt. Names never reach the network (model/slots.py),
so they are not drawn: structure and numbers are.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace

from game.combat import schema
from game.combat.content import Ability, Applies, Content, StatusKind, default
from game.combat.template import TemplateError, parse_prompt, parse_target
from game.world.generate import Transition, transitions_of
from model.guard import prompt_values
from model.slots import Binding

# What a draw may set, by the number's name in game/combat/schema.py; the
# weights' card records them and the guard refuses a rule outside them.
RULE_RANGES = {n.name: (n.lo, n.hi) for n in (schema.BASE_DAMAGE, schema.BASE_HEAL, schema.COST, schema.COOLDOWN,
                                               schema.STATUS_TURNS, schema.STATUS_POWER)}
DRAWS_PER_CONTENT = 64  # transitions played under one drawn table before the next is drawn


def _pick(rng: random.Random, name: str, usual: tuple[int, int]) -> int:
    """Mostly a value a designer would write, sometimes any in range."""
    lo, hi = RULE_RANGES[name]
    a, b = usual if rng.random() < 0.8 else (lo, hi)
    return rng.randint(max(lo, a), min(hi, b))


def _applies(rng: random.Random, statuses: list[str], content_statuses: dict[str, StatusKind],
             ticks: tuple[str, ...]) -> Applies | None:
    fitting = [s for s in statuses if (content_statuses[s].tick in ticks or s in ticks)
               and not ("heal" in ticks and s == "stun")]  # nothing stuns itself
    if not fitting or rng.random() < 0.4:
        return None
    status = rng.choice(fitting)
    power = 0 if status == "stun" else _pick(rng, "status_power", (1, 5))
    return Applies(status, _pick(rng, "status_turns", (1, 4)), power)


def _ability(rng: random.Random, ab: Ability, statuses: list[str], kinds: dict[str, StatusKind]) -> Ability:
    if ab.name == "strike":  # the attack every kind falls back on stays free and ready
        return replace(ab, damage=_pick(rng, "base_damage", (-2, 3)), uses_atk=rng.random() < 0.8,
                       pierce=rng.random() < 0.1, applies=_applies(rng, statuses, kinds, ("damage", "stun")))
    cooldown = _pick(rng, "cooldown", (0, 4)) if rng.random() < 0.7 else 0
    cost = _pick(rng, "cost", (0, 5)) if rng.random() < 0.6 else 0
    if ab.attacks:
        return replace(ab, damage=_pick(rng, "base_damage", (-2, 5)), uses_atk=rng.random() < 0.7,
                       pierce=rng.random() < 0.25, cost=cost, cooldown=cooldown,
                       applies=_applies(rng, statuses, kinds, ("damage", "stun")))
    heal = _pick(rng, "base_heal", (2, 12)) if rng.random() < 0.5 else 0
    applies = _applies(rng, statuses, kinds, ("heal", "guard", "none"))
    if not heal and applies is None:
        heal = _pick(rng, "base_heal", (2, 12))
    return replace(ab, heal=heal, cost=cost, cooldown=cooldown, applies=applies)


def draw(rng: random.Random, base: Content | None = None) -> Content:
    """A content with the same kinds of things as `base` under other rules."""
    base = base or default()
    kinds = dict(base.statuses)
    for n in range(rng.randint(0, 2)):  # new statuses, of a drawn tick
        name = f"new_status_{n}"
        kinds[name] = StatusKind(name, rng.choice(("damage", "damage", "heal", "none")), "")
    for name, s in list(kinds.items()):
        if name not in schema.RULE_STATUSES and rng.random() < 0.3:
            kinds[name] = replace(s, tick=rng.choice(("damage", "heal", "none")))
    order = list(kinds)
    rng.shuffle(order)
    statuses = {name: kinds[name] for name in order}

    abilities = {}
    for name, ab in base.abilities.items():
        abilities[name] = ab if ab.item and rng.random() < 0.5 else _ability(rng, ab, order, statuses)
    extra = []
    for n in range(rng.randint(0, 3)):  # new abilities, dealt to the monsters below
        name = f"new_ability_{n}"
        template = Ability(name, rng.choice(("enemy", "enemy", "self")))
        abilities[name] = _ability(rng, template, order, statuses)
        extra.append(name)

    monsters = {}
    for name, m in base.monsters.items():
        own = list(m.abilities)
        if extra and rng.random() < 0.5:
            own.append(rng.choice(extra))
        if len(own) > 1 and rng.random() < 0.3:
            own.remove(rng.choice(own[1:]))  # the first, a plain attack, stays
        monsters[name] = replace(m, abilities=tuple(dict.fromkeys(own)))
    return replace(base, statuses=statuses, abilities=abilities, monsters=monsters)


def drawn_transitions(seed: int, edge_share: float = 0.0) -> Iterator[tuple[Transition, Content]]:
    """Transitions forever, each with the drawn content it was played under."""
    rng = random.Random(seed)
    while True:
        content = draw(rng)
        for t in transitions_of(DRAWS_PER_CONTENT, rng.randrange(1 << 30), content, edge_share=edge_share):
            yield t, content


def bound(t: Transition, content: Content) -> tuple[str, str]:
    """(prompt, target) as a v4 network reads and writes them."""
    b = Binding.of(t.before, t.action, content)
    return b.prompt(t.before, t.action, t.rolls), b.target(t.target)


TOO_MANY_NAMES = "more names in one turn than the model has slots"


def bound_texts(prompt: str, target: str, content: Content) -> tuple[str, str]:
    """A game text pair (names, no rules) as a v4 network reads and writes it."""
    p = parse_prompt(prompt, content)
    b = Binding.of(p.encounter, p.action, content)
    return b.prompt(p.encounter, p.action, p.rolls), b.target(parse_target(target, content))


def bindable(prompt: str, target: str, content: Content) -> bool:
    try:
        bound_texts(prompt, target, content)
    except TemplateError:
        return False
    return True


def v4_stream(seed: int, edge_share: float = 0.0) -> Iterator[tuple[str, str]]:
    """The v4 training stream: drawn rules, names as slots."""
    for t, content in drawn_transitions(seed, edge_share):
        yield bound(t, content)


def drawn_ranges(n: int, seed: int) -> dict[str, tuple[int, int]]:
    """The value ranges of `n` drawn transitions: every number of their
    prompts, the turn's rule numbers included (what the weights' card
    records and the guard holds a prompt to)."""
    seen: dict[str, tuple[int, int]] = {}
    stream = drawn_transitions(seed)
    for _ in range(n):
        t, content = next(stream)
        for name, value in prompt_values(t.before, t.action, t.rolls, content):
            lo, hi = seen.get(name, (value, value))
            seen[name] = (min(lo, value), max(hi, value))
    return seen
