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

from game.combat.content import Content, default
from game.combat.dice import roll
from game.combat.encounter import MAX_TURN, MAX_TURNS, MONSTER_LABELS, Action, Combatant, Encounter, Rolls, Status
from game.combat.rules import IllegalAction, legal_actions, resolve
from game.combat.template import Target, serialize_prompt, serialize_target
from game.records.examples import EXAMPLE_VERSION, example_record
from game.world import fight, roster, tactics

RECORD_VERSION = EXAMPLE_VERSION  # the JSONL record format (game/records/examples.py declares it)
MAX_BATTLE_TURNS = 120
MAX_LEVEL = 15  # beyond the levels a run reaches, with room to spare


@dataclass(frozen=True)
class Transition:
    before: Encounter
    action: Action
    rolls: Rolls
    target: Target

    def record(self, source: str, content: Content | None = None) -> dict:
        return example_record(source, serialize_prompt(self.before, self.action, self.rolls, content=content),
                              serialize_target(self.target))


def some_class(rng: random.Random, content: Content) -> Content:
    """`content` with a hero class drawn for this transition or fight (no
    draw when there is one class: a seed's bytes stay what they were)."""
    if len(content.classes) <= 1:
        return content
    return content.playing(rng.choice(list(content.classes)))


def step(encounter: Encounter, action: Action, rolls: Rolls, content: Content | None = None) -> tuple[Transition, Encounter]:
    outcome, after = resolve(encounter, action, rolls, content)
    return Transition(encounter, action, rolls, Target.of(outcome, after)), after


def battle(rng: random.Random, content: Content | None = None) -> Iterator[Transition]:
    """One whole fight, as a run would meet it (`fight.draw`), played out by
    the scripted hero and the monsters' styles."""
    content = some_class(rng, content or default())
    setup = fight.draw(rng, content)
    encounter = setup.encounter(content)
    potions = dict(setup.potions)
    for _ in range(MAX_BATTLE_TURNS):
        if encounter.over:
            return
        action = tactics.choose(encounter, rng, potions, content)
        transition, after = step(encounter, action, roll(rng), content)
        item = fight.used_up(action, encounter.actor, transition.target.outcome.result, content)
        if item:
            potions[item] -= 1
        encounter = after
        yield transition


def reachable_statuses(content: Content) -> dict[str, list[tuple[int, int]]]:
    """Per status, the (longest duration, power) pairs the abilities apply."""
    out: dict[str, list[tuple[int, int]]] = {name: [] for name in content.status_order}
    for ability in content.abilities.values():
        if ability.applies:
            out[ability.applies.status].append((ability.applies.turns, ability.applies.power))
    return out


def _wide_status(name: str, rng: random.Random) -> Status:
    """Any duration and power the template admits, stun with a power too."""
    return Status(name, rng.choice((1, rng.randint(1, MAX_TURNS))), rng.randint(0, MAX_TURNS))


def _vary(c: Combatant, abilities: tuple[str, ...], rng: random.Random, content: Content, alive: bool,
          wide: bool = False) -> Combatant:
    """A combatant with its fixed stats kept and everything that changes in a
    fight drawn over its reachable range: hp (1 and full included), mp,
    statuses, cooldowns. `wide` goes past what play reaches, within the
    template: many statuses at once, any duration, power and cooldown."""
    hp = rng.choice((1, c.max_hp, rng.randint(1, c.max_hp), rng.randint(1, min(c.max_hp, 6)))) if alive else 0
    mp = rng.choice((0, c.max_mp, rng.randint(0, c.max_mp)))
    statuses = []
    if alive:
        for name, options in reachable_statuses(content).items():
            if wide and rng.random() < 0.5:
                statuses.append(_wide_status(name, rng))
            elif not wide and options and rng.random() < 0.25:
                longest, power = rng.choice(options)
                statuses.append(Status(name, rng.choice((1, longest, rng.randint(1, longest))), power))
    top = (lambda a: MAX_TURNS) if wide else (lambda a: content.abilities[a].cooldown)
    slots = tuple((a, rng.choice((0, 0, rng.randint(0, top(a))))) for a in content.cooldown_slots(abilities))
    return c.with_(hp=hp, mp=mp, statuses=tuple(statuses), cooldowns=slots)


def _grown(kind: str, label: str, rng: random.Random, content: Content) -> Combatant:
    """A monster grown for any floor it can appear on."""
    first = content.monsters[kind].depth
    return roster.monster(kind, label, content, rng.randint(first, max(first, content.descent.floors)))


def _random_hero(rng: random.Random, content: Content, wide: bool = False) -> Combatant:
    bonus = {"atk": rng.randint(0, 4), "def": rng.randint(0, 4), "max_mp": 2 * rng.randint(0, 3)}
    hero = roster.hero_at(rng.randint(1, MAX_LEVEL), content, bonus)
    return _vary(hero, content.hero.abilities, rng, content, True, wide)


def broad(rng: random.Random, content: Content | None = None, wide: bool = False) -> Transition:
    """One transition from a state drawn over everything the game can reach:
    any monsters together (the boss too), any hero level, any turn count.
    `wide`: overloaded statuses and cooldowns as well (robust training)."""
    content = some_class(rng, content or default())
    while True:
        count = rng.randint(1, len(MONSTER_LABELS))
        kinds = [rng.choice(list(content.monsters)) for _ in range(count)]
        living = [rng.random() < 0.8 for _ in kinds]
        if not any(living):
            living[rng.randrange(count)] = True
        hero = _random_hero(rng, content, wide)
        monsters = tuple(
            _vary(_grown(k, label, rng, content), content.monsters[k].abilities, rng, content, alive, wide)
            for label, k, alive in zip(MONSTER_LABELS, kinds, living, strict=False)
        )
        turn = rng.choice((rng.randint(1, 30), rng.randint(1, MAX_TURN)))
        actor = rng.choice([c.label for c in (hero, *monsters) if c.alive])
        encounter = Encounter(turn, actor, (hero, *monsters))
        actions = legal_actions(encounter, content)
        if actions:
            return step(encounter, rng.choice(actions), roll(rng), content)[0]


EDGES = ("kill", "tick", "full", "statuses")
EDGE_TRIES = 500


def edge(rng: random.Random, content: Content | None = None, kind: str | None = None) -> Transition:
    """A broad transition moved to an edge the rules treat specially, where a
    tiny model slips: `kill`, a blow that kills or leaves 0-2 hp; `tick`, a
    tick that kills or leaves 0-2 hp; `full`, a heal that ends at or near max
    hp; `statuses`, an actor with every status at once."""
    content = content or default()
    kind = kind or rng.choice(EDGES)
    for _ in range(EDGE_TRIES):
        t = broad(rng, content)
        before, actor = t.before, t.before.get(t.before.actor)
        if kind == "statuses":
            every = tuple(Status(name, rng.randint(1, max(o[0] for o in options)), rng.choice(options)[1])
                          for name, options in reachable_statuses(content).items() if options)
            before = before.replacing(actor.with_(statuses=every))
        else:
            work = {type(s).__name__ + getattr(s, "kind", ""): s for s in t.target.outcome.work}
            step = work.get({"kill": "Sumdamage", "tick": "Sumticks", "full": "Sumhealing"}[kind])
            if step is None or kind == "tick" and step.total >= 0:
                continue
            who = before.get(t.action.target) if kind == "kill" else actor
            room = {"kill": max(1, step.total), "tick": -step.total, "full": who.max_hp - step.total}[kind]
            hp = max(1, min(who.max_hp, room + rng.randint(-2, 2)))
            before = before.replacing(who.with_(hp=hp))
        try:
            return step_of(before, t.action, t.rolls, content)
        except IllegalAction:
            continue
    return broad(rng, content)  # content with no such edge (no heal, no ticking status): a plain state


def step_of(encounter: Encounter, action: Action, rolls: Rolls, content: Content) -> Transition:
    return step(encounter, action, rolls, content)[0]


def transitions_of(n: int, seed: int, content: Content | None = None, wide_share: float = 0.0,
                   edge_share: float = 0.0) -> Iterator[Transition]:
    """`n` transitions, as `transitions` draws them."""
    for _, t in _drawn(n, seed, content, wide_share, edge_share):
        yield t


def transitions(n: int, seed: int, content: Content | None = None, wide_share: float = 0.0,
                edge_share: float = 0.0) -> Iterator[dict]:
    """`n` records, half from battles and half broad, interleaved by the seed;
    with `wide_share`, that share of all records are wide (robust training);
    with `edge_share`, that share are moved to an edge (`edge`)."""
    for source, t in _drawn(n, seed, content, wide_share, edge_share):
        yield t.record(source, content)


def _drawn(n: int, seed: int, content: Content | None, wide_share: float,
           edge_share: float) -> Iterator[tuple[str, Transition]]:
    content = content or default()
    rng = random.Random(seed)
    fight: Iterator[Transition] = iter(())
    for _ in range(n):
        if wide_share and rng.random() < wide_share:
            yield "wide", broad(rng, content, wide=True)
            continue
        if edge_share and rng.random() < edge_share:
            yield "edge", edge(rng, content)
            continue
        if rng.random() < 0.5:
            yield "broad", broad(rng, content)
            continue
        t = next(fight, None)
        while t is None:
            fight = battle(rng, content)
            t = next(fight, None)
        yield "battle", t
