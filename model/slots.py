"""Names as slots: how a v4 model reads content it has never seen.

A v4 prompt carries the rules its turn uses (game/combat/template.py:
`rule_lines`), so the network has no need to know what a name means, only
which name is which. Before the network reads a prompt, every content name
in it is bound to a slot word in order of first appearance: abilities to
`a1 a2 ...` (the acting ability is always `a1`), statuses to `s1 s2 ...`
(in the order the statuses line lists them: content order), monster kinds to
`k1 k2 k3`. The network reads and writes slot words; its answer is turned
back into names. A new ability, status or monster needs no new vocabulary,
and a name's spelling cannot matter.

Two statuses keep their names: `guard` and `stun` are rules the engine reads
by name (game/combat/schema.py, RULE_STATUSES), so for the network they are
mechanics, not names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from game.combat import schema
from game.combat.content import Content
from game.combat.encounter import HERO, Action, Combatant, Encounter, Outcome, Rolls, Status, Sum
from game.combat.template import Prompt, Target, TemplateError, parse_target, serialize_prompt, serialize_target

VERSION = "v4"
ABILITY_SLOTS = tuple(f"a{n}" for n in range(1, 21))  # the action and every cooldown slot of four combatants
STATUS_SLOTS = tuple(f"s{n}" for n in range(1, 9))
KIND_SLOTS = tuple(f"k{n}" for n in range(1, 4))  # one per monster line


class TooManyNames(TemplateError):
    """A prompt with more distinct names of a class than the model has slots."""


def words() -> list[str]:
    """Every word a v4 model's vocabulary needs, whatever the content."""
    keywords = [w for v in schema.VERSIONS.values() for w in schema.keywords(v)]
    return list(dict.fromkeys([VERSION, *keywords, *schema.LABELS, schema.END, schema.HERO_KIND, *schema.RESULTS,
                               *schema.AIMS, *schema.RULE_STATUSES, *KIND_SLOTS, *ABILITY_SLOTS, *STATUS_SLOTS]))


def _assign(names: list[str], slots: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in names:
        if name not in out:
            if len(out) == len(slots):
                raise TooManyNames(f"prompt: more than {len(slots)} {what} in one turn, the model has {len(slots)} "
                                   f"slots for them")
            out[name] = slots[len(out)]
    return out


@dataclass(frozen=True)
class Binding:
    """One prompt's names and their slots, both ways, and the content as the
    network sees it (the same rules under slot names)."""

    abilities: dict[str, str]
    statuses: dict[str, str]
    kinds: dict[str, str]
    content: Content  # renamed: what the slotted prompt is parsed and checked with

    @classmethod
    def of(cls, encounter: Encounter, action: Action, content: Content) -> Binding:
        ability = content.abilities[action.ability]
        present = {s.name for c in encounter.combatants for s in c.statuses}
        if ability.applies:
            present.add(ability.applies.status)
        statuses = _assign([s for s in content.status_order if s in present and s not in schema.RULE_STATUSES],
                           STATUS_SLOTS, "statuses")
        statuses |= {s: s for s in schema.RULE_STATUSES if s in content.statuses}
        abilities = _assign([action.ability, *(a for c in encounter.combatants for a, _ in c.cooldowns)],
                            ABILITY_SLOTS, "abilities")
        kinds = _assign([c.kind for c in encounter.monsters], KIND_SLOTS, "monster kinds")
        return cls(abilities, statuses, kinds, _renamed(content, abilities, statuses, kinds))

    # --- names to slots -------------------------------------------------------

    def status(self, s: Status) -> Status:
        return Status(self.statuses[s.name], s.turns, s.power)

    def combatant(self, c: Combatant) -> Combatant:
        kind = c.kind if c.label == HERO else self.kinds[c.kind]
        return c.with_(kind=kind, statuses=tuple(self.status(s) for s in c.statuses),
                       cooldowns=tuple((self.abilities[a], left) for a, left in c.cooldowns))

    def encounter(self, e: Encounter) -> Encounter:
        return Encounter(e.turn, e.actor, tuple(self.combatant(c) for c in e.combatants))

    def view(self, encounter: Encounter, action: Action, rolls: Rolls) -> Prompt:
        """The prompt as the network reads it, parsed: names as slots, in v4."""
        return Prompt(self.encounter(encounter), Action(self.abilities[action.ability], action.target), rolls, VERSION)

    def prompt(self, encounter: Encounter, action: Action, rolls: Rolls) -> str:
        """The v4 prompt the network reads."""
        v = self.view(encounter, action, rolls)
        return serialize_prompt(v.encounter, v.action, v.rolls, VERSION, self.content)

    def target(self, target: Target) -> str:
        """A target as the network writes it (for training)."""
        return serialize_target(_target(target, self.statuses, self.abilities))

    # --- slots to names -------------------------------------------------------

    def answer(self, text: str) -> str:
        """The network's target text with the names put back; TemplateError if
        it does not read (a slot the prompt never bound cannot be written:
        the grammar allows only the bound ones)."""
        parsed = parse_target(text, self.content)
        back = {v: k for k, v in self.statuses.items()}, {v: k for k, v in self.abilities.items()}
        return serialize_target(_target(parsed, *back))


def _target(t: Target, statuses: dict[str, str], abilities: dict[str, str]) -> Target:
    def status(s: Status) -> Status:
        return Status(statuses[s.name], s.turns, s.power)

    work = []
    for step in t.outcome.work:
        if isinstance(step, Sum) and step.kind == "ticks":
            step = Sum(step.kind, tuple((statuses[part], v) for part, v in step.terms), step.totals)
        work.append(step)
    rows = tuple(replace(r, statuses=tuple(status(s) for s in r.statuses),
                         cooldowns=tuple((abilities[a], left) for a, left in r.cooldowns)) for r in t.rows)
    o = t.outcome
    return Target(Outcome(o.tick, o.result, o.amount, tuple(work)), t.turn, t.next, rows)


def _renamed(content: Content, abilities: dict[str, str], statuses: dict[str, str], kinds: dict[str, str]) -> Content:
    """The content's entries a prompt uses, under their slots (in content
    order, so the statuses' order is kept)."""
    new_statuses = {statuses[n]: replace(s, name=statuses[n]) for n, s in content.statuses.items() if n in statuses}
    new_abilities = {}
    for name, slot in abilities.items():
        ab = content.abilities[name]
        # only the acting ability's rules are in the prompt (its status is bound); another
        # ability is there for its cooldown slot alone
        applies = replace(ab.applies, status=statuses[ab.applies.status]) if ab.applies and \
            ab.applies.status in statuses else None
        new_abilities[slot] = replace(ab, name=slot, applies=applies)

    def known(names: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(abilities[a] for a in names if a in abilities)

    monsters = {slot: replace(content.monsters[kind], name=slot, abilities=known(content.monsters[kind].abilities))
                for kind, slot in kinds.items()}
    return replace(content, statuses=new_statuses, abilities=new_abilities, monsters=monsters,
                   hero=replace(content.hero, abilities=known(content.hero.abilities)), items={})


