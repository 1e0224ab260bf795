"""What things do, in words: an ability's effect with its numbers, a
status's effect, a combatant as the examine screen tells it.

One place, so the action list, the examine screen and the flee label never
describe an ability two ways. The words come from the content (a status's
`describe`, its adjective and short name); the numbers from the same fields
the rules use (rules.py), so a balance patch changes the words with them.
"""

from __future__ import annotations

from game.combat.content import Ability, Content, default
from game.combat.encounter import HERO, Combatant, Status

DIE = 4  # the d4 every hit and heal adds (rules.py)


def damage_range(ability: Ability, user: Combatant, target: Combatant) -> tuple[int, int]:
    """The hp a hit of `ability` by `user` takes off `target` (not a crit):
    the rules' sum with the lowest and the highest d4, at least 1."""
    guard = target.status("guard")
    flat = (ability.damage + (user.atk if ability.uses_atk else 0) - (0 if ability.pierce else target.defence)
            - (guard.power if guard else 0))
    return max(1, flat + 1), max(1, flat + DIE)


def _expression(ability: Ability, user: Combatant | None) -> str:
    """'2+d4', '5+d4' (atk 5 known) or 'atk-1+d4' (for anyone)."""
    if ability.uses_atk and user is None:
        base = "atk" + (f"{ability.damage:+d}" if ability.damage else "")
    else:
        base = str(ability.damage + (user.atk if ability.uses_atk and user else 0))
    return f"{base}+d{DIE}"


def status_effect(name: str, turns: int, power: int, content: Content) -> str:
    """'burning for 2 turns (loses 3 hp each turn)'."""
    kind = content.statuses.get(name)
    if kind is None:
        return f"{name} for {turns} turns"
    what = kind.describe.replace("{power}", str(power))
    return f"{kind.adjective or name} for {turns} turn{'s' if turns != 1 else ''} ({what})"


def short_status(status: Status, content: Content) -> str:
    """'psn 3/2': 3 turns left, 2 a turn (as the compact roster writes it);
    'stn 1' where the power is 0 (a stun has none to tell)."""
    kind = content.statuses.get(status.name)
    power = f"/{status.power}" if status.power else ""
    return f"{kind.short if kind and kind.short else status.name} {status.turns}{power}"


def ability_words(name: str, content: Content | None = None, user: Combatant | None = None,
                  target: Combatant | None = None, short: bool = False) -> str:
    """What an ability does, with its numbers.

    Long: 'ignite: 2+d4 damage ignoring armour, then burning for 2 turns
    (loses 3 hp each turn); 3 mp, cooldown 2'. `user` puts its atk in the
    sum. Short (for a narrow action list): the effect alone, against
    `target` when given: '3-6 +brn 2/3', '+7-10hp', 'grd 2/3'."""
    content = content or default()
    a = content.abilities[name]
    if short:
        return _short(a, content, user, target)
    parts = []
    if a.attacks:
        armour = "ignoring armour" if a.pierce else "less armour"
        parts.append(f"{_expression(a, user)} damage {armour}")
    if a.heal:
        parts.append(f"heals {a.heal}+d{DIE} hp")
    if a.applies:
        who = ("the target is" if a.attacks else "you are" if user is not None and user.label == HERO
               else "it is" if user is not None else "the user is")
        parts.append(f"{'and ' if parts else ''}{who} "
                     + status_effect(a.applies.status, a.applies.turns, a.applies.power, content))
    effect = ", ".join(parts) or a.describe
    costs = [f"{a.cost} mp"] * bool(a.cost) + [f"cooldown {a.cooldown}"] * bool(a.cooldown)
    if a.item:
        item = content.items.get(a.item)
        costs.append(f"uses {item.called() if item else a.item}")
    return f"{name.replace('_', ' ')}: {effect}" + (f"; {', '.join(costs)}" if costs else "")


def _short(a: Ability, content: Content, user: Combatant | None, target: Combatant | None) -> str:
    words = []
    if a.attacks:
        if user is not None and target is not None:
            lo, hi = damage_range(a, user, target)
            words.append(f"{lo}-{hi}")
        else:
            words.append(_expression(a, user))
    if a.heal:
        words.append(f"+{a.heal + 1}-{a.heal + DIE}hp")
    if a.applies:
        status = short_status(Status(a.applies.status, a.applies.turns, a.applies.power), content)
        words.append(("+" if a.attacks else "") + status)
    return " ".join(words) or a.describe


def look(c: Combatant, content: Content | None = None) -> list[str]:
    """A combatant in words, a line each: who and how hurt, its statuses,
    then every ability it has (what it does; when it is next ready)."""
    content = content or default()
    kind = content.monsters.get(c.kind)
    abilities = content.hero.abilities if c.label == HERO else kind.abilities if kind else ()
    lines = [f"{c.kind}: hp {c.hp}/{c.max_hp}" + (f", mp {c.mp}/{c.max_mp}" if c.max_mp else "")
             + f", atk {c.atk}, def {c.defence}"]
    for s in c.statuses:
        st = content.statuses.get(s.name)
        what = st.describe.replace("{power}", str(s.power)) if st else ""
        lines.append(f"{st.adjective if st and st.adjective else s.name}, {s.turns} turn{'s' if s.turns != 1 else ''}"
                     f" left" + (f": {what}" if what else ""))
    for name in abilities:
        wait = c.cooldown(name)
        ready = f" (ready in {wait} turn{'s' if wait != 1 else ''})" if wait else ""
        lines.append(ability_words(name, content, user=c) + ready)
    return lines
