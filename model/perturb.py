"""`pico-rogue eval --suite perturb`: the failure-mode lab.

Named, seeded perturbation families over fresh prompts, each answered twice:

- guarded: as the game asks, through the input guard (model/guard.py), which
  refuses what the model cannot be trusted with;
- raw: the model reads the perturbed text anyway, the way the field note's
  model did. Decoding keeps the template's grammar, taking the structure from
  the perturbed prompt if it parses, else from the nearest valid prompt (the
  clean one it came from); with neither, plain greedy decoding.

A guarded answer is the raw one when the guard lets the prompt through, so
each prompt is decoded once. Every output is compared with the rules engine:
exactly, where the engine answers the perturbed prompt; and field by field
(game.divergence's paths) against the reference, the engine's answer to the
perturbed prompt or else to the nearest valid one, to see how far structure
collapsed (fields lost, duplicated, wrong; row labels changed; status
effects kept). Token drift is measured on whole battles where the model reads
its own outputs. docs/lab.md explains the families and how to read the
numbers.
"""

from __future__ import annotations

import json
import random
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from game import generate
from game.content import Content, default
from game.encounter import HERO, MAX_STAT, MAX_TURN, MAX_TURNS, Encounter, Status
from game.resolver import EngineResolver
from game.template import Prompt, TemplateError, parse_prompt, parse_target, serialize_prompt, serialize_target

from .decode import decode_batch
from .grammar import target_grammar
from .resolver import ModelResolver, load_resolver

PER_FAMILY = 100  # prompts per family when --n is left at eval's default
BATTLES = 30
BATCH = 64
FRESH = 1 << 20  # transitions() length: "as many as the families draw"
FREE_LIMIT = 200  # tokens of ungrammatical decoding; a block is at most ~150


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


# --- decoding, guard or not -----------------------------------------------------------


def _free_grammar(tok, limit: int):
    """No grammar: any token but padding, <unk> and <sep>, up to `limit` tokens."""
    every = frozenset(range(len(tok))) - {tok.pad, tok.unk, tok.sep}
    for _ in range(limit):
        yield every


def _structure(case_prompt: str, nearest: str | None, content: Content) -> Prompt | None:
    for text in (case_prompt, nearest):
        if text is not None:
            try:
                return parse_prompt(text, content)
            except TemplateError:
                continue
    return None


def decode_raw(resolver: ModelResolver, prompts: list[tuple[str, str | None]], free: bool = False) -> list[str | None]:
    """The model's answer to every (prompt, nearest) read as is, guard off:
    grammar-constrained from the prompt's parse or the nearest valid prompt's,
    else (or with `free`) plain greedy decoding. None only where the prompt
    alone fills the model's context."""
    tok, content, max_len = resolver.tok, resolver.content, resolver.config.max_len
    out: list[str | None] = [None] * len(prompts)
    groups: dict[int, list[tuple[int, list[int], object]]] = defaultdict(list)
    for i, (text, nearest) in enumerate(prompts):
        ids = tok.encode(text)
        if len(ids) + 2 > max_len:
            continue
        shape = None if free else _structure(text, nearest, content)
        grammar = (target_grammar(shape, tok, content.status_order) if shape is not None
                   else _free_grammar(tok, min(FREE_LIMIT, max_len - len(ids) - 2)))
        groups[len(ids)].append((i, ids, grammar))
    for group in groups.values():
        for k in range(0, len(group), BATCH):
            chunk = group[k:k + BATCH]
            decoded = decode_batch(resolver.net, tok, [ids for _, ids, _ in chunk], [g for _, _, g in chunk])
            for (i, _, _), ids in zip(chunk, decoded, strict=True):
                out[i] = tok.decode(ids)
    return out


# --- structure ------------------------------------------------------------------------


def loose_fields(text: str) -> tuple[dict[str, tuple[str, ...]], int, tuple[str, ...]]:
    """A lenient reading of a next-state block that may not parse: (fields by
    divergence path, duplicated fields, row labels in order). Values are the
    words after each field name, so broken outputs still compare."""
    got: dict[str, tuple[str, ...]] = {}
    dup = 0
    labels: list[str] = []

    def put(key: str, value: tuple[str, ...]) -> None:
        nonlocal dup
        if key in got:
            dup += 1
        else:
            got[key] = value

    for line in text.split("\n"):
        w = line.split()
        if not w:
            continue
        if w[0] == "tick":
            for key, value in zip(("outcome.tick", "outcome.result", "outcome.amount"), w[1:4], strict=False):
                put(key, (value,))
            continue
        if w[0] == "turn":
            put("turn", tuple(w[1:2]))
            if "next" in w:
                put("next", tuple(w[w.index("next") + 1:][:1]))
            continue
        label = w[0]
        labels.append(label)
        i = 1
        while i < len(w):
            if w[i] in ("hp", "mp"):
                put(f"{label}.{w[i]}", tuple(w[i + 1:i + 2]))
                i += 2
            elif w[i] in ("st", "cd"):
                j = i + 1
                while j < len(w) and w[j] not in ("hp", "mp", "st", "cd"):
                    j += 1
                put(f"{label}.{w[i]}", tuple(w[i + 1:j]))
                i = j
            else:
                i += 1
    return got, dup, tuple(labels)


def _effects(f: dict[str, tuple[str, ...]]) -> set[tuple[str, str]]:
    return {(k.split(".")[0], v[i]) for k, v in f.items() if k.endswith(".st") for i in range(0, len(v), 3)}


def structure(reference: str, output: str) -> dict[str, float]:
    """How far `output`'s structure is from `reference` (the engine's answer)."""
    want, _, want_labels = loose_fields(reference)
    got, dup, got_labels = loose_fields(output)
    present = [k for k in want if k in got]
    effects = _effects(want)
    return {
        "lost": 1 - len(present) / len(want),
        "duplicated": dup / len(want),
        "wrong": sum(got[k] != want[k] for k in present) / len(want),
        "labels_changed": float(got_labels != want_labels),
        "effects_kept": len(effects & _effects(got)) / len(effects) if effects else 1.0,
    }


# --- scoring --------------------------------------------------------------------------


def _reason(text: str) -> str:
    """A refusal with its values blanked, so reasons group: line 2 (hero): unknown status '…'."""
    text = re.sub(r"'[^']*'", "'…'", text)
    return re.sub(r"(?<!line )\b\d+\b", "N", text)


@dataclass
class Outcome:
    case: Case
    engine: str | None  # the engine's answer to the perturbed prompt
    reference: str  # that, or the engine's answer to the nearest valid prompt
    refusal: str | None  # the guard's reason
    output: str | None  # the raw model's answer (grammar on)
    free: str | None  # the model's answer with no grammar at all

    def said(self, mode: str) -> str | None:
        if mode == "guarded":
            return None if self.refusal else self.output
        return self.free if mode == "free" else self.output


def judge(resolver: ModelResolver, all_cases: list[Case]) -> list[Outcome]:
    engine = EngineResolver(resolver.content)
    pairs = [(c.prompt, c.nearest) for c in all_cases]
    raw, free = decode_raw(resolver, pairs), decode_raw(resolver, pairs, free=True)
    out = []
    for c, o, f in zip(all_cases, raw, free, strict=True):
        e = engine.resolve(c.prompt).text
        ref = e or (engine.resolve(c.nearest).text if c.nearest else None) or engine.resolve(c.original).text
        out.append(Outcome(c, e, ref, resolver.guard.reason(c.prompt), o, f))
    return out


MODES = ("guarded", "raw", "free")


def _summary(outcomes: list[Outcome], mode: str, content: Content) -> dict:
    n = len(outcomes)
    guarded = mode == "guarded"
    answered = [o for o in outcomes if o.said(mode) is not None]
    defined = [o for o in answered if o.engine is not None]
    undefined = [o for o in answered if o.engine is None]
    parsed = 0
    for o in answered:
        try:
            parse_target(o.said(mode), content)
            parsed += 1
        except TemplateError:
            pass
    shapes = [structure(o.reference, o.said(mode)) for o in answered]

    def mean(key: str) -> float | None:
        return statistics.fmean(s[key] for s in shapes) if shapes else None

    result = {
        "prompts": n,
        "refused": n - len(answered),
        "engine_answers": sum(o.engine is not None for o in outcomes),
        "answered": len(answered),
        "parsed": parsed,
        "exact": sum(o.said(mode) == o.engine for o in defined),
        "exact_of": len(defined),
        "exact_match": sum(o.said(mode) == o.engine for o in defined) / len(defined) if defined else None,
        "nearest_match": sum(o.said(mode) == o.reference for o in undefined) / len(undefined) if undefined else None,
        "nearest_of": len(undefined),
        **{k: mean(k) for k in ("lost", "duplicated", "wrong", "labels_changed", "effects_kept")},
    }
    if guarded:
        reasons = Counter(_reason(o.refusal) for o in outcomes if o.refusal)
        result["reasons"] = [{"reason": r, "count": k} for r, k in reasons.most_common(3)]
        where = Counter(o.refusal.split(":")[0] for o in outcomes if o.refusal)
        result["where"] = dict(where.most_common())
    return result


def summarize(outcomes: list[Outcome], content: Content | None = None) -> dict:
    content = content or default()
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[o.case.kind].append(o)
    return {
        **{mode: _summary(outcomes, mode, content) for mode in MODES},
        "kinds": {k: {mode: _summary(v, mode, content) for mode in MODES} for k, v in by_kind.items()},
    }


# --- token drift -------------------------------------------------------------------------


def drift(resolver: ModelResolver, battles: int, seed: int, free: bool = False) -> dict:
    """Whole battles where the model's output is the next state. Actions and
    dice follow the engine's battle. A battle runs on past its first
    divergence, since that is where drift shows, until the model ends it or
    the engine's battle ends. Per turn k: the share of battles still
    identical to the engine's (one over before k counts if it was identical to
    its end); of the battles the engine is still fighting, the share the
    model still answers raw, and with the guard on (the game falls back to
    the rules once the guard refuses, e.g. the action is illegal in the
    model's state); and how many answers are right for the model's own
    prompt (local exact). With `free`, no grammar: a battle also stops when
    an output no longer parses, so "answered" is "still parses"."""
    rng = random.Random(seed)
    engine = EngineResolver(resolver.content)
    fights = [list(generate.battle(rng, resolver.content)) for _ in range(battles)]
    states = [f[0].before for f in fights]
    same = [True] * battles
    guarded = [True] * battles
    running = [True] * battles
    after_divergence = [0] * battles  # turns answered after the first divergence
    right = seen = 0
    curve = []
    for k in range(max((len(f) for f in fights), default=0)):
        live = [b for b in range(battles) if running[b] and k < len(fights[b])]
        prompts = [serialize_prompt(states[b], fights[b][k].action, fights[b][k].rolls) for b in live]
        outputs = decode_raw(resolver, [(p, None) for p in prompts], free=free)
        right_k = seen_k = 0
        for b, prompt, out in zip(live, prompts, outputs, strict=True):
            guarded[b] = guarded[b] and resolver.guard.reason(prompt) is None
            want = engine.resolve(prompt).text
            if want is not None:
                seen_k += 1
                right_k += out == want
            if not same[b]:
                after_divergence[b] += 1
            same[b] = same[b] and out == serialize_target(fights[b][k].target)
            try:
                states[b] = parse_target(out or "", resolver.content).apply(states[b])
            except (TemplateError, TypeError):
                running[b] = False
                continue
            running[b] = not states[b].over
        right, seen = right + right_k, seen + seen_k
        still = [b for b in range(battles) if len(fights[b]) > k]
        live_set = set(live)
        curve.append({
            "turn": k + 1,
            "battles": len(still),
            "identical": sum(same) / battles,
            "raw_running": len(live) / len(still),
            "guarded_running": sum(guarded[b] for b in live_set) / len(still),
            "local_exact": right_k / seen_k if seen_k else None,
        })
    lengths = [len(f) for f in fights]
    diverged = [a for a, s in zip(after_divergence, same, strict=True) if not s]
    return {
        "battles": battles,
        "median_turns": statistics.median(lengths) if lengths else 0,
        "identical_to_end": sum(same) / battles if battles else 0.0,
        "median_turns_after_divergence": statistics.median(diverged) if diverged else None,
        "local_exact": right / seen if seen else None,
        "curve": curve,
    }


# --- the suite ------------------------------------------------------------------------------


def run(resolver: ModelResolver, n: int, seed: int, battles: int, clean_check: int = 2000) -> dict:
    content = resolver.content
    families = {}
    for fam in FAMILIES:
        summary = summarize(judge(resolver, cases(fam.name, n, seed, content)), content)
        families[fam.name] = {"describes": fam.describes, **summary}
    clean = [r["prompt"] for r in generate.transitions(clean_check, seed + 7, content)]
    result = {
        "weights": {"name": resolver.weights_name, "sha256": resolver.weights_sha256},
        "seed": seed,
        "per_family": n,
        "guard": {"ranges": "trained" if resolver.guard.trained else "template",
                  "clean_prompts": len(clean), "clean_refused": sum(resolver.guard.reason(p) is not None for p in clean)},
        "families": families,
    }
    if battles:
        result["drift"] = drift(resolver, battles, seed + 1)
        result["drift_free"] = drift(resolver, battles, seed + 1, free=True)
    return result


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}"


def _bar(x: float | None, width: int = 20) -> str:
    if x is None:
        return ""
    cells = x * width
    full = int(cells)
    part = " ▏▎▍▌▋▊▉"[int((cells - full) * 8)] if full < width else ""
    return ("█" * full + part).ljust(width)


def table(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    g = result["guard"]
    title = f"perturbation suite — {result['weights']['name']} (seed {result['seed']}, {result['per_family']} a family)"
    answers = Table(title=f"{title}: answers")
    shape = Table(title="structure against the engine's answer (to the nearest valid prompt where it has none)")
    for col in ("family", "mode", "refused", "engine ok", "parsed", "exact", "≈nearest"):
        answers.add_column(col, justify="left" if col in ("family", "mode") else "right", no_wrap=True)
    for col in ("family", "mode", "fields wrong", "lost", "dup", "relabel", "effects kept"):
        shape.add_column(col, justify="left" if col in ("family", "mode") else "right", no_wrap=True)
    for name, fam in result["families"].items():
        for mode in MODES:
            s = fam[mode]
            first, last = name if mode == MODES[0] else "", mode == MODES[-1]
            answers.add_row(first, mode, f"{s['refused']}/{s['prompts']}", str(s["engine_answers"]),
                            f"{s['parsed']}/{s['answered']}", _pct(s["exact_match"]), _pct(s["nearest_match"]),
                            end_section=last)
            shape.add_row(first, mode, _pct(s["wrong"]), _pct(s["lost"]), _pct(s["duplicated"]),
                          _pct(s["labels_changed"]), _pct(s["effects_kept"]), end_section=last)
    console.print(answers)
    console.print(f"guard: {g['clean_refused']} of {g['clean_prompts']} clean prompts refused "
                  f"(ranges: {g['ranges']}). How to read the columns: docs/lab.md")
    console.print(shape)

    r = Table(title="by kind")
    for col in ("family", "kind", "n", "refused", "engine ok", "raw exact", "raw ≈nearest", "raw wrong", "free parsed",
                "free wrong"):
        r.add_column(col, justify="left" if col in ("family", "kind") else "right")
    for name, fam in result["families"].items():
        for kind, s in fam["kinds"].items():
            raw, free = s["raw"], s["free"]
            r.add_row(name, kind, str(raw["prompts"]), str(s["guarded"]["refused"]), str(raw["engine_answers"]),
                      _pct(raw["exact_match"]), _pct(raw["nearest_match"]), _pct(raw["wrong"]),
                      _pct(free["parsed"] / free["answered"] if free["answered"] else None), _pct(free["wrong"]))
        r.add_section()
    console.print(r)

    why = Table(title="the guard's most common reasons")
    why.add_column("family")
    why.add_column("n", justify="right")
    why.add_column("reason")
    for name, fam in result["families"].items():
        for i, reason in enumerate(fam["guarded"].get("reasons", [])):
            why.add_row(name if i == 0 else "", str(reason["count"]), reason["reason"])
    console.print(why)

    plot = Table(title="per family", show_header=False)
    plot.add_column("family")
    plot.add_column("what")
    plot.add_column("bar")
    plot.add_column("", justify="right")
    for name, fam in result["families"].items():
        free = fam["free"]
        rows = (("yellow", "guard refused", fam["guarded"]["refused"] / fam["guarded"]["prompts"]),
                ("green", "raw exact", fam["raw"]["exact_match"]), ("red", "raw fields wrong", fam["raw"]["wrong"]),
                ("magenta", "free parsed", free["parsed"] / free["answered"] if free["answered"] else None))
        for i, (colour, label, x) in enumerate(rows):
            plot.add_row(name if i == 0 else "", label, f"[{colour}]{_bar(x)}", _pct(x), end_section=i == len(rows) - 1)
    console.print(plot)

    if "drift" in result:
        d, f = result["drift"], result["drift_free"]
        diverged = d["median_turns_after_divergence"]
        after = (f"median turns answered after the first divergence: {diverged}" if diverged is not None
                 else "no battle diverged")
        console.print(f"token drift: {d['battles']} battles, median {d['median_turns']} turns; identical to the end "
                      f"{_pct(d['identical_to_end'])}; right for its own prompt {_pct(d['local_exact'])}; {after}; "
                      f"with no grammar, right for its own prompt {_pct(f['local_exact'])}")
        c = Table(title="drift: share of battles at turn k")
        c.add_column("k", justify="right")
        c.add_column("identical to the engine")
        c.add_column("", justify="right")
        c.add_column("answered, guard on")
        c.add_column("", justify="right")
        c.add_column("no grammar: still parses")
        c.add_column("", justify="right")
        c.add_column("local exact", justify="right")
        curve, fcurve = d["curve"], f["curve"]
        picks = sorted(set(range(min(10, len(curve)))) | set(range(9, len(curve), 5)) | {len(curve) - 1})
        for i in picks:
            p = curve[i]
            fr = fcurve[i]["raw_running"] if i < len(fcurve) else None
            c.add_row(str(p["turn"]), f"[green]{_bar(p['identical'], 16)}", _pct(p["identical"]),
                      f"[cyan]{_bar(p['guarded_running'], 16)}", _pct(p["guarded_running"]),
                      f"[magenta]{_bar(fr, 16)}", _pct(fr), _pct(p["local_exact"]))
        console.print(c)


def main(args) -> int:
    resolver = load_resolver(args.weights, runtime=args.runtime)
    from game.cli import parser

    # --n is eval's; left at its clean-suite default it means PER_FAMILY here
    n = PER_FAMILY if args.n == parser().parse_args(["eval"]).n else args.n
    battles = BATTLES if args.battles == parser().parse_args(["eval"]).battles else args.battles
    result = run(resolver, n, args.seed, battles)
    if args.json:
        print(json.dumps(result))
    else:
        table(result)
    return 0

