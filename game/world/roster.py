"""Building combatants from content: the hero at a level, monsters by kind."""

from __future__ import annotations

from game.combat import schema
from game.combat.content import Content, default
from game.combat.encounter import HERO, HERO_KIND, MONSTER_LABELS, Combatant, Encounter


def hero_at(level: int, content: Content | None = None, bonus: dict[str, int] | None = None) -> Combatant:
    """The hero at full health for `level`, with stat bonuses from items."""
    content = content or default()
    h, grow, bonus = content.hero, content.hero.per_level, bonus or {}
    up = level - 1

    def stat(name: str, base: int) -> int:
        return base + int(grow.get(name, 0) * up) + bonus.get(name, 0)

    # a hero of a high level with many charms stays inside the template's ranges
    max_hp, max_mp = min(schema.MAX_HP.hi, stat("max_hp", h.hp)), min(schema.MAX_MP.hi, stat("max_mp", h.mp))
    slots = tuple((a, 0) for a in content.cooldown_slots(h.abilities))
    return Combatant(HERO, HERO_KIND, max_hp, max_hp, max_mp, max_mp, min(schema.ATK.hi, stat("atk", h.atk)),
                     min(schema.DEF.hi, stat("def", h.defence)), (), slots)


def monster(kind: str, label: str, content: Content | None = None, depth: int | None = None) -> Combatant:
    """A monster at full health, grown for floor `depth` (its first floor if None)."""
    content = content or default()
    k = content.monsters[kind]
    s = k.at(k.depth if depth is None else depth)
    slots = tuple((a, 0) for a in content.cooldown_slots(k.abilities))
    return Combatant(label, kind, s["hp"], s["hp"], s["mp"], s["mp"], s["atk"], s["def"], (), slots)


def encounter(hero: Combatant, kinds: list[str], content: Content | None = None, depth: int | None = None) -> Encounter:
    """A fresh encounter: the hero acts first against 1-3 monsters of floor `depth`."""
    if not 1 <= len(kinds) <= len(MONSTER_LABELS):
        raise ValueError(f"an encounter has 1 to {len(MONSTER_LABELS)} monsters, got {len(kinds)}")
    monsters = tuple(monster(k, label, content, depth) for k, label in zip(kinds, MONSTER_LABELS, strict=False))
    return Encounter(1, HERO, (hero, *monsters))
