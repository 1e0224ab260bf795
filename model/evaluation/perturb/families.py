"""The perturbation families: named, seeded ways of damaging a fresh prompt
(labels, overloaded statuses, boundary values, format, entity continuity),
each a set of kinds. `cases(name, n, seed)` makes a family's prompts, the
same for the same seed; docs/lab.md describes each kind."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from game.combat.content import Content, default
from game.combat.encounter import HERO, MAX_STAT, MAX_TURN, MAX_TURNS, Encounter, Status
from game.combat.template import Prompt, parse_prompt, serialize_prompt
from game.world import generate

FRESH = 1 << 20  # transitions() length: "as many as the families draw"


@dataclass(frozen=True)
class Case:
    """One perturbed prompt. `nearest` is the valid prompt it is a damaged
    form of (what a lenient reader would take it for); `original` the fresh
    prompt it was made from."""

    family: str
    kind: str
    prompt: str
    original: str
    nearest: str | None


# A perturbation: (kind, parsed clean prompt, its text, rng) -> (perturbed, nearest) or None when it
# does not apply to this prompt (the family then moves on to the next fresh prompt).
Edit = Callable[[str, Prompt, str, random.Random], "tuple[str, str | None] | None"]


# --- editing prompts ---------------------------------------------------------


def _text(p: Prompt) -> str:
    return serialize_prompt(p.encounter, p.action, p.rolls)


def _with(p: Prompt, label: str, **changes) -> Prompt:
    enc = p.encounter
    return replace(p, encounter=enc.replacing(enc.get(label).with_(**changes)))


def _index(p: Prompt, label: str) -> int:
    return [c.label for c in p.encounter.combatants].index(label)


def _put_status(p: Prompt, label: str, status: Status, content: Content) -> Prompt:
    c = p.encounter.get(label)
    kept = [s for s in c.statuses if s.name != status.name] + [status]
    return _with(p, label, statuses=tuple(sorted(kept, key=lambda s: content.status_order.index(s.name))))


def _swap_word(text: str, line: int, old: str, new: str, after: str | None = None) -> str:
    """Replace the first `old` on line `line` (after the word `after`, if given)."""
    lines = text.split("\n")
    words = lines[line].split(" ")
    start = words.index(after) + 1 if after else 0
    i = words.index(old, start)
    words[i] = new
    lines[line] = " ".join(words)
    return "\n".join(lines)


# --- label substitutions ----------------------------------------------------

VARIANTS = ("misspelt", "re-cased", "synonym", "truncated")
STATUS_VARIANTS = {
    "regen": ("regn", "Regen", "regeneration", "reg"),
    "poison": ("posion", "Poison", "venom", "psn"),
    "burn": ("brun", "BURN", "fire", "brn"),
    "guard": ("gaurd", "Guard", "shield", "grd"),
    "stun": ("sutn", "Stun", "daze", "stn"),
}
SYNONYMS = {"strike": "attack", "poison_strike": "venom_strike", "ignite": "fire", "bash": "slam", "heal": "cure",
            "guard": "block", "regenerate": "regen", "quaff_heal": "drink_heal", "quaff_regen": "drink_regen"}


def _variant(name: str, variant: str) -> str:
    if name in STATUS_VARIANTS:
        return STATUS_VARIANTS[name][VARIANTS.index(variant)]
    if variant == "misspelt":  # two letters swapped inside the word
        i = max(1, len(name) // 2 - 1)
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    if variant == "re-cased":
        return name.capitalize()
    if variant == "synonym":
        return SYNONYMS[name]
    return name[:3]


def _label_edit(kind: str, p: Prompt, text: str, rng: random.Random, content: Content) -> tuple[str, str | None] | None:
    what, variant = kind.split(" ", 1)
    if what == "action":
        name = p.action.ability
        return _swap_word(text, 0, name, _variant(name, variant)), text
    # a status: the note's regen and poison, or any; put on the actor if absent so it matters this turn
    actor = p.encounter.actor
    name = what if what != "status" else rng.choice(content.status_order)
    holder = actor if rng.random() < 0.7 else rng.choice([c.label for c in p.encounter.combatants if c.alive])
    if p.encounter.get(holder).status(name) is None:
        power = 0 if name == "stun" else rng.randint(1, 4)
        p = _put_status(p, holder, Status(name, rng.randint(1, 4), power), content)
        text = _text(p)
    return _swap_word(text, _index(p, holder) + 1, name, _variant(name, variant), after="st"), text


# --- overloaded labels --------------------------------------------------------


def _overload_edit(kind: str, p: Prompt, text: str, rng: random.Random, content: Content):
    enc = p.encounter
    actor = enc.actor
    living = [c.label for c in enc.combatants if c.alive]
    if kind == "repeated status":
        who = rng.choice(living)
        if not enc.get(who).statuses:
            p = _put_status(p, who, Status("poison", rng.randint(1, 3), 2), content)
            text = _text(p)
        s = rng.choice(p.encounter.get(who).statuses)
        entry = f"{s.name} {s.turns} {s.power}"
        lines = text.split("\n")
        lines[_index(p, who) + 1] = lines[_index(p, who) + 1].replace(entry, f"{entry} {entry}", 1)
        return "\n".join(lines), text
    if kind == "every status":
        for name in content.status_order:
            p = _put_status(p, actor, Status(name, rng.randint(1, 4), 0 if name == "stun" else rng.randint(1, 4)), content)
        return _text(p), None
    if kind in ("long duration", "big power"):
        who = rng.choice(living)
        name = rng.choice(content.status_order)
        turns, power = rng.randint(1, 4), 0 if name == "stun" else rng.randint(1, 4)
        big = rng.randint(MAX_TURNS + 1, 40)
        near = _put_status(p, who, Status(name, MAX_TURNS if kind == "long duration" else turns,
                                          MAX_TURNS if kind == "big power" and name != "stun" else power), content)
        if kind == "long duration":
            far = _put_status(p, who, Status(name, big, power), content)
        else:
            far = _put_status(p, who, Status(name, turns, big), content)
        # the parser refuses both; the text is written around it
        return _text(far), _text(near)
    if kind == "status on the dead":
        spare = [m for m in enc.monsters if m.label not in (actor, p.action.target)]
        if not spare or (spare[0].alive and sum(m.alive for m in enc.monsters) < 2):
            return None  # killing it would end the fight
        m = spare[0]
        near = _with(p, m.label, hp=0, statuses=())
        s = Status(rng.choice(content.status_order), rng.randint(1, 3), 2)
        far = replace(near, encounter=near.encounter.replacing(near.encounter.get(m.label).with_(statuses=(s,))))
        return _text(far), _text(near)
    if kind == "slot on the wrong kind":
        who = rng.choice([c.label for c in enc.combatants])
        c = enc.get(who)
        abilities = content.hero.abilities if who == HERO else content.monsters[c.kind].abilities
        foreign = [a for a in content.abilities if content.abilities[a].cooldown and a not in abilities]
        if not foreign:
            return None
        far = _with(p, who, cooldowns=(*c.cooldowns, (rng.choice(foreign), rng.randint(0, 3))))
        return _text(far), text
    if kind == "stun with power":  # the template admits it, training never shows it
        return _text(_put_status(p, actor, Status("stun", 1, rng.randint(1, MAX_TURNS)), content)), None
    raise ValueError(kind)


# --- boundaries ----------------------------------------------------------------


def _boundary_edit(kind: str, p: Prompt, text: str, rng: random.Random, content: Content):
    enc = p.encounter
    actor, target = enc.get(enc.actor), enc.get(p.action.target)
    ability = content.abilities[p.action.ability]
    if kind == "hp 1":
        who = rng.choice([actor, target])
        return _text(_with(p, who.label, hp=1)), None
    if kind == "hp 0 bystander":
        spare = [m for m in enc.monsters if m.label not in (actor.label, target.label) and m.alive]
        if not spare or sum(m.alive for m in enc.monsters) < 2:
            return None
        return _text(_with(p, spare[0].label, hp=0, statuses=())), None
    if kind == "hp 0 target":
        if ability.target != "enemy":
            return None
        return _text(_with(p, target.label, hp=0, statuses=())), text
    if kind == "expiring statuses":
        if not actor.statuses:
            name = rng.choice(("poison", "burn", "regen", "guard"))
            p = _put_status(p, actor.label, Status(name, 1, rng.randint(1, 4)), content)
        statuses = tuple(replace(s, turns=1) for s in p.encounter.get(actor.label).statuses)
        return _text(_with(p, actor.label, statuses=statuses)), None
    if kind == "cooldowns at 0":
        for c in enc.combatants:
            p = _with(p, c.label, cooldowns=tuple((a, 0) for a, _ in c.cooldowns))
        return _text(p), None
    if kind == "cooldown at 1":
        if not ability.cooldown:
            return None
        cds = tuple((a, 1 if a == ability.name else t) for a, t in actor.cooldowns)
        return _text(_with(p, actor.label, cooldowns=cds)), text
    if kind == "mp exactly the cost":
        return _text(_with(p, actor.label, mp=ability.cost)), None
    if kind == "d20 edge":
        return _text(replace(p, rolls=replace(p.rolls, d20=rng.choice((3, 4, 19, 20))))), None
    if kind == "turn 999":
        return _text(replace(p, encounter=replace(enc, turn=MAX_TURN))), None
    if kind == "turn past the range":
        near = _text(replace(p, encounter=replace(enc, turn=MAX_TURN)))
        return _swap_word(near, 0, str(MAX_TURN), str(rng.randint(MAX_TURN + 1, 5000))), near
    if kind == "hp past the range":
        who = rng.choice(enc.combatants)
        big = rng.randint(MAX_STAT + 1, 150)
        near = _text(_with(p, who.label, hp=MAX_STAT if who.alive else 0, max_hp=MAX_STAT))
        line = _index(p, who.label) + 1
        return _swap_word(near, line, f"{MAX_STAT if who.alive else 0}/{MAX_STAT}", f"{big if who.alive else 0}/{big}"), near
    raise ValueError(kind)


# --- format damage ----------------------------------------------------------------


def _format_edit(kind: str, p: Prompt, text: str, rng: random.Random, content: Content):
    lines = text.split("\n")
    n = rng.randrange(1, len(lines))
    words = lines[n].split(" ")
    slot_at = words.index("cd")
    slots = [words[i:i + 2] for i in range(slot_at + 1, len(words), 2)]

    def done(new_words=None, new_lines=None) -> tuple[str, str]:
        out = list(new_lines or lines)
        if new_words is not None:
            out[n] = " ".join(new_words)
        return "\n".join(out), text

    if kind == "missing field":
        field = rng.choice(("hp", "mp", "atk", "def"))
        i = words.index(field)
        return done(words[:i] + words[i + 2:])
    if kind == "missing keyword":
        i = words.index(rng.choice(("st", "cd")))
        return done(words[:i] + words[i + 1:])
    if kind == "missing slot":
        used = p.action.ability if n == _index(p, p.encounter.actor) + 1 else None
        keep = [s for s in slots if s[0] != used]
        if not keep:
            return None
        drop = rng.choice(keep)
        return done(words[:slot_at + 1] + [w for s in slots if s != drop for w in s])
    if kind == "duplicated field":
        field = rng.choice(("hp", "mp", "atk", "def"))
        i = words.index(field)
        return done(words[:i + 2] + words[i:])
    if kind == "reordered fields":
        a, b = rng.choice((("hp", "mp"), ("atk", "def")))
        i, j = words.index(a), words.index(b)
        swapped = list(words)
        swapped[i:i + 2], swapped[j:j + 2] = words[j:j + 2], words[i:i + 2]
        return done(swapped)
    if kind == "reordered slots":
        if len(slots) < 2:
            return None
        return done(words[:slot_at + 1] + [w for s in reversed(slots) for w in s])
    if kind == "truncated":  # inside a combatant line, so what is left is never a whole prompt
        cut = rng.randrange(1, len(lines[n]))
        return "\n".join([*lines[:n], lines[n][:cut].rstrip(" ")]), text
    if kind == "stray whitespace":
        how = rng.choice(("double space", "trailing space", "tab", "leading space", "trailing newline"))
        if how == "double space":
            i = rng.randrange(1, len(words))
            return done(words[:i] + [""] + words[i:])
        if how == "trailing space":
            return done(words + [""])
        if how == "tab":
            return done(None, [*lines[:n], lines[n].replace(" ", "\t", 1), *lines[n + 1:]])
        if how == "leading space":
            return done([""] + words)
        return text + "\n", text
    if kind == "extra monster line":
        return "\n".join([*lines, lines[-1]]), text
    raise ValueError(kind)


# --- entity continuity ---------------------------------------------------------------


RENAMES = ("m4", "M1", "monster", "goblin")


def _entity_edit(kind: str, p: Prompt, text: str, rng: random.Random, content: Content):
    enc = p.encounter
    labels = [c.label for c in enc.combatants]
    lines = text.split("\n")
    if kind == "swapped lines":
        i, j = (1, 2) if len(labels) == 2 else sorted(rng.sample(range(2, len(labels) + 1), 2))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines), text
    if kind == "relabelled":
        # two monsters trade labels: the same fight, told with the labels the other way round
        if len(enc.monsters) < 2:
            return None
        a, b = rng.sample([m.label for m in enc.monsters], 2)
        swap = {a: b, b: a}
        combatants = tuple(c.with_(label=swap.get(c.label, c.label)) for c in enc.combatants)
        combatants = tuple(sorted(combatants, key=lambda c: labels.index(c.label)))
        moved = Encounter(enc.turn, swap.get(enc.actor, enc.actor), combatants)
        action = replace(p.action, target=swap.get(p.action.target, p.action.target))
        return serialize_prompt(moved, action, p.rolls), None
    if kind == "renamed label":
        old = rng.choice(labels[1:])
        new = rng.choice(RENAMES)
        head = [new if w == old else w for w in lines[0].split(" ")]
        i = labels.index(old) + 1
        lines[0] = " ".join(head)
        lines[i] = new + lines[i][len(old):]
        return "\n".join(lines), text
    if kind == "renamed kind":
        m = rng.choice(enc.monsters)
        same = [k for k, v in content.monsters.items() if k != m.kind and
                content.cooldown_slots(v.abilities) == content.cooldown_slots(content.monsters[m.kind].abilities)]
        if not same:
            return None
        return _text(_with(p, m.label, kind=rng.choice(same))), None
    if kind == "hero renamed":
        lines[1] = lines[1].replace("hero knight", f"hero {rng.choice(('paladin', 'Knight', 'goblin'))}", 1)
        return "\n".join(lines), text
    raise ValueError(kind)


@dataclass(frozen=True)
class Family:
    name: str
    describes: str
    kinds: tuple[str, ...]
    edit: Callable


FAMILIES = (
    Family("clean", "fresh prompts, untouched: the baseline every family is read against", ("clean",),
           lambda kind, p, text, rng, content: (text, None)),
    Family("label", "status and action names misspelt, re-cased, replaced by a synonym, truncated "
                    "(the note's regen and poison cases first)",
           tuple(f"{what} {v}" for v in VARIANTS for what in ("regen", "poison", "status", "action")), _label_edit),
    Family("overload", "more statuses, durations and powers than training, a status or slot where none belongs",
           ("repeated status", "every status", "long duration", "big power", "status on the dead",
            "slot on the wrong kind", "stun with power"), _overload_edit),
    Family("boundary", "hp 0 and 1, statuses about to expire, cooldowns at 0 and 1, exact mp, dice edges, "
                       "turn 999, numbers past the range",
           ("hp 1", "hp 0 bystander", "hp 0 target", "expiring statuses", "cooldowns at 0", "cooldown at 1",
            "mp exactly the cost", "d20 edge", "turn 999", "turn past the range", "hp past the range"), _boundary_edit),
    Family("format", "fields missing, duplicated or reordered, truncated prompts, stray whitespace, an extra line",
           ("missing field", "missing keyword", "missing slot", "duplicated field", "reordered fields",
            "reordered slots", "truncated", "stray whitespace", "extra monster line"), _format_edit),
    Family("entity", "combatant lines swapped, labels traded or renamed, kinds renamed: labels or positions?",
           ("swapped lines", "relabelled", "renamed label", "renamed kind", "hero renamed"), _entity_edit),
)
NAMES = tuple(f.name for f in FAMILIES)


def family(name: str) -> Family:
    return next(f for f in FAMILIES if f.name == name)


def cases(name: str, n: int, seed: int, content: Content | None = None) -> list[Case]:
    """`n` perturbed prompts of one family, the same for the same seed: kinds in
    turn, each from the next fresh prompt it applies to."""
    content = content or default()
    fam = family(name)
    rng = random.Random(f"{seed}:{name}")
    records: Iterator[dict] = generate.transitions(FRESH, seed, content)
    out = []
    while len(out) < n:
        kind = fam.kinds[len(out) % len(fam.kinds)]
        for _ in range(50):
            text = next(records)["prompt"]
            made = fam.edit(kind, parse_prompt(text, content), text, rng, content)
            if made is not None:
                break
        else:
            raise RuntimeError(f"{name}/{kind}: no fresh prompt it applies to in 50")
        prompt, nearest = made
        out.append(Case(name, kind, prompt, text, nearest))
    return out
