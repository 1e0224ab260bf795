"""Statuses and cooldowns that outlast a battle.

A battle's end does not wash anyone clean: poison, burn, regeneration and
guard go on as the hero walks, one tick a move (the map's unit of time, as
a turn is the battle's), in the rules' order (tick, then lose a turn), and
cooldowns count down one a move; the next battle starts with what is left.
The monsters of a fled battle keep theirs the same way. Outside battle a
damage tick stops at 1 hp: deaths are decided in battle, where the record
and the model see them.
"""

from __future__ import annotations

from game.combat.content import Content, default
from game.combat.encounter import Combatant, Status


def step(c: Combatant, content: Content | None = None) -> Combatant:
    """`c` one move later: its statuses ticked and aged, its cooldowns one lower."""
    content = content or default()
    tick = 0
    for s in c.statuses:
        kind = content.statuses[s.name].tick if s.name in content.statuses else "none"
        tick += s.power if kind == "heal" else -s.power if kind == "damage" else 0
    hp = max(min(c.hp, 1), min(c.max_hp, c.hp + tick))
    aged = tuple(Status(s.name, s.turns - 1, s.power) for s in c.statuses if s.turns > 1)
    return c.with_(hp=hp, statuses=aged, cooldowns=tuple((a, max(0, n - 1)) for a, n in c.cooldowns))


def carry(fresh: Combatant, statuses: tuple[Status, ...], cooldowns: tuple[tuple[str, int], ...],
          content: Content | None = None) -> Combatant:
    """`fresh` (as a battle would start it) with the statuses and cooldowns
    it kept: only slots it has, only statuses the content knows, in the
    content's order (the template's)."""
    content = content or default()
    kept = dict(cooldowns)
    order = content.status_order
    known = sorted((s for s in statuses if s.name in order), key=lambda s: order.index(s.name))
    return fresh.with_(statuses=tuple(known), cooldowns=tuple((a, kept.get(a, n)) for a, n in fresh.cooldowns))


def lingering(c: Combatant) -> bool:
    """Whether time outside battle still changes `c`."""
    return bool(c.statuses) or any(n for _, n in c.cooldowns)
