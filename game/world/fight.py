"""One fight set-up for play, self-play and training data.

Play meets a fight when the hero bumps a monster (or one ambushes it);
self-play and `generate` draw fights without a dungeon. All three go through
here, so they cannot drift apart: which kinds a floor fields together, how a
monster grows with depth (content's `grow`), what a hero brings to a floor
(level, charms, hp, potions) and when a potion is used up.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from game.combat.content import Content, default
from game.combat.describe import damage_range
from game.combat.encounter import HERO, Action, Combatant, Encounter
from game.world import roster

BOSS_SHARE = 0.3  # of the fights drawn on the last floor: the boss alone
FLEE = 0.6  # the chance to get away from one monster
FLEE_CROWD = 0.15  # less for each other monster that blocks the way (a stunned one does not)
FLEE_LEAST = 0.15
PARTING_BLOW = "strike"  # what the monster in the way does as the hero runs: its plain blow


def kinds(depth: int, rng: random.Random, content: Content | None = None) -> list[str]:
    """A group of 1-3 monster kinds a floor of `depth` fields together (as
    many as the floor's `group_sizes` in dungeon.yaml draw), leaning towards
    the kinds that first appear on this floor or the one above, and now and
    then (dungeon.yaml's `ahead`) one of the floor below."""
    content = content or default()
    pool = [m.name for m in content.monsters.values() if m.depth <= depth and not m.boss]
    fresh = [m for m in pool if depth - 1 <= content.monsters[m].depth]
    count = rng.choices((1, 2, 3), weights=content.descent.sizes(depth))[0]
    picked = [rng.choice(pool) for _ in range(count)]
    picked = [rng.choice(fresh) if fresh and rng.random() < 0.35 else k for k in picked]
    # a kind of the floor below, seldom: met first alone or in a small group,
    # not all at once on its own floor (grown for a floor above its first,
    # it has its first floor's stats: `MonsterKind.at`)
    ahead = [m.name for m in content.monsters.values() if m.depth == depth + 1 and not m.boss]
    if ahead and content.descent.ahead:
        picked = [rng.choice(ahead) if rng.random() < content.descent.ahead else k for k in picked]
    return picked


def encounter(hero: Combatant, monsters: list[str], depth: int, content: Content | None = None) -> Encounter:
    """The hero (as it arrives) against `monsters` grown for floor `depth`."""
    return roster.encounter(hero, monsters, content or default(), depth)


def used_up(action: Action, actor: str, result: str, content: Content | None = None) -> str | None:
    """The item a turn used up, if any: the hero's potion, unless the hero
    never got to drink it (stunned, or down from its own statuses)."""
    content = content or default()
    item = content.abilities[action.ability].item
    if item and actor == HERO and result not in ("stunned", "down"):
        return item
    return None


@dataclass(frozen=True)
class FleeOdds:
    """What a try to flee would bring, as the flee key's label says it: the
    chance, and who gets the parting blow on a success and for how much."""

    chance: float
    striker: Combatant | None  # None: nobody blocks the way, no blow
    blow: tuple[int, int] = (0, 0)  # the hp it takes off, lowest and highest (a crit aside)


def flee_odds(encounter: Encounter, content: Content | None = None) -> FleeOdds:
    """The hero's chance to get away this turn (none from the boss, less
    with every monster standing in the way) and its price: the monster in
    the way that hits hardest strikes once as the hero turns its back."""
    content = content or default()
    living = [m for m in encounter.monsters if m.alive]
    if any(content.monsters[m.kind].boss for m in living):
        return FleeOdds(0.0, None)
    blocking = [m for m in living if m.status("stun") is None]
    if not blocking:
        return FleeOdds(1.0, None)
    chance = max(FLEE_LEAST, FLEE - FLEE_CROWD * (len(blocking) - 1))
    blow = content.abilities[PARTING_BLOW]
    striker = max(blocking, key=lambda m: (damage_range(blow, m, encounter.hero)[1], -blocking.index(m)))
    return FleeOdds(chance, striker, damage_range(blow, striker, encounter.hero))


def flee_chance(encounter: Encounter, content: Content | None = None) -> float:
    return flee_odds(encounter, content).chance


def flee_words(odds: FleeOdds, short: bool = False) -> str:
    """The flee key's label and price: 'flee 45%: on a success the orc
    strikes you once (3-7 hp), on a failure the monsters act'."""
    return flee_label(odds) + (", " if short else ": ") + flee_cost(odds, short)


def flee_label(odds: FleeOdds) -> str:
    return f"flee {round(odds.chance * 100)}%"


def flee_cost(odds: FleeOdds, short: bool = False) -> str:
    """What a try costs: the parting blow on a success, the monsters' turns on a failure."""
    if odds.striker is None:
        return "free" if short else "nobody blocks the way"
    lo, hi = odds.blow
    if short:
        return f"blow {lo}-{hi}"
    return (f"on a success the {odds.striker.kind} strikes you once ({lo}-{hi} hp), "
            f"on a failure the monsters act")


def no_escape(encounter: Encounter, content: Content | None = None) -> str:
    """Why the hero cannot flee at all (the boss bars the way)."""
    content = content or default()
    boss = next((m.kind for m in encounter.monsters if m.alive and content.monsters[m.kind].boss), None)
    return f"the {boss} bars the way: there is no fleeing this fight" if boss else "there is nothing to flee"


@dataclass(frozen=True)
class Setup:
    """A fight as a run would meet it."""

    depth: int
    level: int
    hero: Combatant
    monsters: list[str]
    potions: dict[str, int]

    def encounter(self, content: Content | None = None) -> Encounter:
        return encounter(self.hero, self.monsters, self.depth, content)


def hero_on(depth: int, rng: random.Random, content: Content | None = None) -> tuple[int, Combatant, dict[str, int]]:
    """A hero as the scripted runs bring it to a battle on floor `depth`: its
    level, the hero with the charms found so far and the hp it carries, and
    its potions. The shapes follow what careful and reckless runs meet
    (docs/playing.md, "What a hero brings to a floor"; a slow test checks
    the levels): about a level a floor, more below the fourth where careful
    heroes clear whole floors; a charm of each kind every third floor; most
    battles begun at full hp."""
    content = content or default()
    level = max(1, depth + max(0, depth - 4) + rng.randint(-1, 1))
    behind = depth - 1

    def found(share: float) -> int:
        return sum(rng.random() < share for _ in range(behind))

    bonus = {"atk": found(0.35), "def": found(0.35), "max_mp": 2 * found(0.2)}
    hero = roster.hero_at(level, content, bonus)
    if rng.random() >= 0.6:
        hero = hero.with_(hp=rng.randint(max(1, hero.max_hp // 5), hero.max_hp))
    potions = {k: rng.randint(0, 3) if item.ability == "quaff_heal" else rng.randint(0, 1 if depth < 4 else 2)
               for k, item in content.items.items() if item.ability}
    return level, hero, potions


def draw(rng: random.Random, content: Content | None = None) -> Setup:
    """A fight drawn over the whole descent: any floor, monsters grown for it,
    a hero as it arrives there; on the last floor sometimes the boss."""
    content = content or default()
    depth = rng.randint(1, content.descent.floors)
    level, hero, potions = hero_on(depth, rng, content)
    if depth == content.descent.floors and rng.random() < BOSS_SHARE:
        monsters = [content.boss.name]
    else:
        monsters = kinds(depth, rng, content)
    return Setup(depth, level, hero, monsters, potions)
