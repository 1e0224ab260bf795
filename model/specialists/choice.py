"""The choice prompt: what a deciding specialist (a hero's advisor, a
monster's tactician) reads, and the two words it writes.

It is the resolver's v4 prompt less the turn's action and dice, with the
rules of every ability the actor has instead of the one it uses:

    v4 turn 3 hero
    statuses s1 -1 s2 -1
    rule a1 foe base 2 withatk 1 pierce 0 mend +0 cost 0 cool 0 puts
    rule a2 foe base 1 withatk 1 pierce 0 mend +0 cost 2 cool 2 puts s1 3 2
    ...
    hero knight hp 37/40 mp 8/12 atk 6 def 3 st s1 3 2 cd a2 0 a4 0
    m1 k1 hp 12/15 mp 4/6 atk 4 def 1 st s2 2 3 cd a6 0

Names are slots as in the resolver's prompt (model/slots.py): the actor's
abilities are a1..an in its own order, so any content reads the same way.
The answer is `aN TARGET` (an ability slot and a label); the grammar lets
through only the actions the game says are usable now, so a specialist
can be weak but never illegal.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from game.combat import schema
from game.combat.content import Content
from game.combat.encounter import HERO, Action, Encounter
from game.combat.template import combatant_line, rule_line, statuses_line
from model.slots import ABILITY_SLOTS, KIND_SLOTS, STATUS_SLOTS, VERSION, Binding, _assign, _renamed
from model.tokenizer import Tokenizer


def actor_abilities(encounter: Encounter, content: Content) -> tuple[str, ...]:
    actor = encounter.get(encounter.actor)
    return content.hero.abilities if actor.label == HERO else content.monsters[actor.kind].abilities


def bind(encounter: Encounter, content: Content) -> Binding:
    """Slots for a choice prompt: the actor's abilities first, then the
    cooldown slots of the others; every status present or one of the actor's
    abilities puts on."""
    own = actor_abilities(encounter, content)
    present = {s.name for c in encounter.combatants for s in c.statuses}
    present |= {content.abilities[a].applies.status for a in own if content.abilities[a].applies}
    statuses = _assign([s for s in content.status_order if s in present and s not in schema.RULE_STATUSES],
                       STATUS_SLOTS, "statuses")
    statuses |= {s: s for s in schema.RULE_STATUSES if s in content.statuses}
    abilities = _assign([*own, *(a for c in encounter.combatants for a, _ in c.cooldowns)], ABILITY_SLOTS, "abilities")
    kinds = _assign([c.kind for c in encounter.monsters], KIND_SLOTS, "monster kinds")
    return Binding(abilities, statuses, kinds, _renamed(content, abilities, statuses, kinds))


@dataclass(frozen=True)
class ChoicePrompt:
    text: str
    binding: Binding
    actions: tuple[Action, ...]  # what the answer may be (the usable actions), in names

    def target(self, action: Action) -> str:
        """The answer the teacher gives for `action`, as the network writes it."""
        return f"{self.binding.abilities[action.ability]} {action.target}"

    def action(self, answer: str) -> Action:
        """An answer's words back to the action, in names."""
        slot, target = answer.split()
        back = {v: k for k, v in self.binding.abilities.items()}
        return Action(back[slot], target)

    def grammar(self, tok: Tokenizer) -> Generator[frozenset[int], int, None]:
        """Ability slot, then target, then the end: only usable actions."""
        by_slot: dict[int, set[int]] = {}
        for a in self.actions:
            by_slot.setdefault(tok.index[self.binding.abilities[a.ability]], set()).add(tok.index[a.target])
        slot = yield frozenset(by_slot)
        yield frozenset(by_slot[slot])
        yield frozenset({tok.eos})


def choice_prompt(encounter: Encounter, actions: list[Action], content: Content,
                  plan: Action | None = None) -> ChoicePrompt:
    """The prompt of the actor's choice among `actions` (at least one); with
    the script's `plan` (the advisor reads the careful hero's) as a last
    line `next aN TARGET`."""
    b = bind(encounter, content)
    seen = b.encounter(encounter)
    own = actor_abilities(encounter, content)
    present = {s for c in seen.combatants for s in (x.name for x in c.statuses)}
    present |= {b.content.abilities[b.abilities[a]].applies.status for a in own
                if b.content.abilities[b.abilities[a]].applies}
    lines = [f"{VERSION} turn {encounter.turn} {encounter.actor}", statuses_line(present, b.content),
             *(rule_line(b.abilities[a], b.content) for a in own), *(combatant_line(c) for c in seen.combatants)]
    if plan is not None:
        lines.append(f"next {b.abilities[plan.ability]} {plan.target}")
    return ChoicePrompt("\n".join(lines), b, tuple(actions))
