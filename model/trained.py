"""The content a model was trained on, entry by entry, and what differs now.

The network learned the rules of one content: each ability's numbers, what
each status does and the durations and powers the abilities apply it with
(a poison of power 3 is one it never saw if poison always came at power 2),
each kind's cooldown slots, the statuses' order. It does
not read those rules from the prompt (template v3 holds only names), so a
pack that changes an entry's numbers would be answered with the old numbers:
silently wrong. The weights' config therefore records the content they were
trained on (`content`: the numbers the rules read, per entry), and the guard
refuses a turn whose acting ability, statuses present or combatants' kinds
differ from that record, naming the entry; every other turn is answered.

Weights written before the record existed carry none: their content is taken
as the bundled assets' (assets/*.yaml, which is what they were trained on
while the assets stay unchanged), and `source` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from game.combat.content import ASSETS, Content, load
from game.combat.content_file import shown
from game.combat.encounter import HERO_KIND
from model.errors import ModelError

# The numbers of an ability the rules read when it acts (describe, verbs and item are words for the player)
ABILITY_RULES = ("target", "damage", "uses_atk", "pierce", "heal", "cost", "cooldown", "applies")
RECORDED = "recorded in the weights"
ASSUMED = "the weights carry no content record: taken as the bundled assets' (what they were trained on)"


class ContentRecordError(ModelError):
    """A weights config whose content record is malformed."""


def _ability(a) -> dict[str, Any]:
    rules = {k: getattr(a, k) for k in ABILITY_RULES if k != "applies"}
    rules["applies"] = [a.applies.status, a.applies.turns, a.applies.power] if a.applies else None
    return rules


def _applied(content: Content, status: str) -> list[list[int]]:
    """The (longest duration, power) pairs the abilities apply `status` with:
    the statuses a model trained on `content` saw (game/world/generate.py)."""
    pairs = {(a.applies.turns, a.applies.power) for a in content.abilities.values()
             if a.applies and a.applies.status == status}
    return [list(p) for p in sorted(pairs)]


def record(content: Content) -> dict[str, Any]:
    """What a model trained on `content` learned of it, as JSON: the weights'
    `content` field (written by training)."""
    slots = {HERO_KIND: list(content.cooldown_slots(content.hero.abilities))}
    slots.update({name: list(content.cooldown_slots(m.abilities)) for name, m in content.monsters.items()})
    return {
        "abilities": {name: _ability(a) for name, a in content.abilities.items()},
        "statuses": {name: {"tick": s.tick, "applied": _applied(content, name)} for name, s in content.statuses.items()},
        "slots": slots,
        "order": list(content.status_order),
    }


@dataclass(frozen=True)
class Trained:
    """The content a model was trained on, and where that knowledge came from."""

    record: dict[str, Any]
    source: str  # RECORDED or ASSUMED

    @classmethod
    def of(cls, meta: dict, where: str = "weights") -> Trained:
        """From a weights config (`meta`): its `content` field, checked, else the bundled assets'."""
        if "content" not in meta:
            return cls(record(load(ASSETS)), ASSUMED)
        got = meta["content"]
        ok = isinstance(got, dict) and set(got) == {"abilities", "statuses", "slots", "order"} \
            and all(isinstance(got[k], dict) for k in ("abilities", "statuses", "slots")) \
            and isinstance(got["order"], list) and all(isinstance(s, str) for s in got["order"]) \
            and all(isinstance(v, dict) for k in ("abilities", "statuses") for v in got[k].values()) \
            and all(isinstance(v, list) for v in got["slots"].values())
        if not ok:
            raise ContentRecordError(f"{where}: content: expected the record of the content it was trained on "
                                     f"(abilities, statuses, slots, order), got {shown(got)}")
        return cls(got, RECORDED)

    def changes(self, content: Content) -> dict[tuple[str, str], str]:
        """(what, name) -> how `content` differs from the trained content, for
        every entry a turn could meet: ('ability', 'ignite') -> 'damage 4, trained on 2'."""
        now = record(content)
        out: dict[tuple[str, str], str] = {}
        for what, group, noun in (("ability", "abilities", "ability"), ("status", "statuses", "status"),
                                  ("kind", "slots", "monster")):
            for name, value in now[group].items():
                was = self.record[group].get(name)
                if was is None:
                    out[(what, name)] = f"a new {noun}"
                elif group == "statuses" and was.get("tick") == value["tick"]:
                    if was.get("applied") != value["applied"]:  # the guard checks each status present against them
                        out[("applied", name)] = (f"applied as {applied_words(value['applied'])}, "
                                                  f"trained on {applied_words(was.get('applied'))}")
                elif was != value:
                    out[(what, name)] = _difference(value, was, group)
        known = [s for s in now["order"] if s in self.record["order"]]
        if known != [s for s in self.record["order"] if s in known]:
            out[("order", "statuses")] = f"statuses in the order {' '.join(known)}, trained on {' '.join(self.record['order'])}"
        return out


def _difference(now: Any, was: Any, group: str) -> str:
    if group == "slots":
        return f"cooldown slots '{' '.join(map(str, now))}', trained on '{' '.join(map(str, was))}'"
    if isinstance(now, dict) and isinstance(was, dict):
        diffs = [f"{key} {_words(now.get(key))}, trained on {_words(was.get(key))}"
                 for key in now if now.get(key) != was.get(key)]
        return "; ".join(diffs) or "changed"
    return "changed"


def applied_words(pairs: Any) -> str:
    """'power 2 for 3 turns', as a message says a status's trained pairs."""
    if not isinstance(pairs, list) or not pairs:
        return "none"
    return ", ".join(f"power {p[1]} for {p[0]} turns" if isinstance(p, list) and len(p) == 2 else shown(p)
                     for p in pairs[:4])


def fits(pairs: Any, turns: int, power: int) -> bool:
    """Whether a status of `turns` and `power` is one the trained pairs made."""
    return isinstance(pairs, list) and any(isinstance(p, list) and len(p) == 2 and p[1] == power and turns <= p[0]
                                           for p in pairs)


def _words(value: Any) -> str:
    if isinstance(value, list) and len(value) == 3:  # applies: [status, turns, power]
        return f"{value[0]} {value[1]} turns power {value[2]}"
    return shown(value)


def summary(changes: dict[tuple[str, str], str]) -> str | None:
    """One line on what the model will refuse, or None when it knows the content."""
    if not changes:
        return None
    parts = [f"{name} ({why})" for (_, name), why in list(changes.items())[:6]]
    more = f" and {len(changes) - 6} more" if len(changes) > 6 else ""
    return f"the content differs from the model's: it refuses turns that meet {', '.join(parts)}{more}"
