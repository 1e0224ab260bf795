"""The input guard: what the model refuses to read, and why.

A tiny model given a prompt it was never trained on does not fail loudly: it
answers, confidently and wrongly (a misspelt `regn` becomes an unknown token
and the effect is half-kept; a swapped line is read by position). So before
decoding, the prompt must be one the model can be trusted with:

1. it parses (`parse_prompt`: the template's fields, names and ranges);
2. it is canonical: `serialize_prompt(parse) == text` byte for byte, and each
   combatant has exactly its kind's cooldown slots, in order;
3. its content is the content the model was trained on (model/trained.py):
   the acting ability, each status present and each combatant's kind are
   entries whose rules the weights' record holds unchanged (a pack's new
   status or a balance patch's new numbers are refused, naming the entry);
   then every word and number is in the model's vocabulary;
4. the action is legal (`check_action`): the engine would answer it;
5. every value is inside the ranges the model was trained on (the weights'
   `ranges` metadata when it has one, else the template's ranges);
6. prompt and answer fit the model's context.

A refusal is a `Refusal` (a TemplateError) whose message names the line and
field, in the parser's words: `line 2 (hero): unknown status 'regn'`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from game.combat import schema
from game.combat.content import Ability, Content, default
from game.combat.encounter import HERO, Action, Encounter, Rolls
from game.combat.rules import IllegalAction, check_action
from game.combat.template import VERSION, Prompt, TemplateError, parse_prompt, serialize_prompt
from model.grammar import longest
from model.slots import VERSION as SLOTTED
from model.slots import Binding, TooManyNames
from model.tokenizer import Tokenizer
from model.trained import Trained, applied_words, fits

# The template's ranges (game/schema.py): what the guard allows when the weights carry none.
# v4 prompts add the acting ability's numbers (its cooldown and status share the names above).
TEMPLATE_RANGES: dict[str, tuple[int, int]] = {n.name: (n.lo, n.hi) for n in (*schema.PROMPT_NUMBERS.values(),
                                                                               schema.BASE_DAMAGE, schema.BASE_HEAL,
                                                                               schema.COST)}

# Refusal kinds, in the order the checks run.
KINDS = ("template", "canonical", "content", "vocabulary", "action", "range", "length")


class Refusal(TemplateError):
    """A prompt the model must not answer. `kind` is one of KINDS."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def _where(n: int, label: str) -> str:
    return f"line {n + 2} ({label})"


def rule_values(ability: Ability) -> Iterable[tuple[str, int]]:
    """(range name, value) for each number of a v4 rule line."""
    yield "base_damage", ability.damage
    yield "base_heal", ability.heal
    yield "cost", ability.cost
    yield "cooldown", ability.cooldown
    if ability.applies:
        yield "status_turns", ability.applies.turns
        yield "status_power", ability.applies.power


def outside_rules(content: Content, ranges: dict[str, tuple[int, int]]) -> str | None:
    """One line on the abilities whose rules a v4 model refuses (a number
    outside the ranges it was trained on), or None when it reads them all."""
    out = []
    for name, ability in content.abilities.items():
        for field, value in rule_values(ability):
            lo, hi = ranges.get(field, (value, value))
            if not lo <= value <= hi:
                out.append(f"{name} ({field.replace('_', ' ')} {value}, trained {lo}..{hi})")
                break
    if not out:
        return None
    more = f" and {len(out) - 3} more" if len(out) > 3 else ""
    return f"the model refuses turns of {', '.join(out[:3])}{more}: rules outside what it was trained on"


def prompt_values(encounter: Encounter, action: Action, rolls: Rolls, content: Content) -> Iterable[tuple[str, int]]:
    """(range name, value) for every number of a v4 prompt."""
    for _, name, value in _values(Prompt(encounter, action, rolls)):
        yield name, value
    yield from rule_values(content.abilities[action.ability])


def _values(p: Prompt) -> Iterable[tuple[str, str, int]]:
    """(where, range name, value) for every number in a parsed prompt."""
    head = "line 1 (head)"
    yield head, "turn", p.encounter.turn
    yield head, "d20", p.rolls.d20
    yield head, "d4", p.rolls.d4
    for n, c in enumerate(p.encounter.combatants):
        w = _where(n, c.label)
        for name, value in (("hp", c.hp), ("max_hp", c.max_hp), ("mp", c.mp), ("max_mp", c.max_mp),
                            ("atk", c.atk), ("def", c.defence)):
            yield w, name, value
        for s in c.statuses:
            yield w, "status_turns", s.turns
            yield w, "status_power", s.power
        for _, left in c.cooldowns:
            yield w, "cooldown", left


def observed_ranges(prompts: Iterable[str], content: Content | None = None) -> dict[str, tuple[int, int]]:
    """The ranges a set of (training) prompts covers, in the form the guard
    reads from the weights' `ranges` metadata: {name: (lo, hi)}."""
    content = content or default()
    seen: dict[str, tuple[int, int]] = {}
    for text in prompts:
        for _, name, v in _values(parse_prompt(text, content)):
            lo, hi = seen.get(name, (v, v))
            seen[name] = (min(lo, v), max(hi, v))
    return seen


@dataclass(frozen=True)
class Reading:
    """A prompt the guard let through, as the network reads it: the parse
    (v4: names as slots), its token ids, and the binding that puts the
    names back into the answer (None for a v3 model, which reads names)."""

    parsed: Prompt
    ids: list[int]
    status_order: tuple[str, ...]
    binding: Binding | None = None

    def answer(self, text: str) -> str:
        """The network's target text in the game's names; TemplateError if it does not read."""
        return self.binding.answer(text) if self.binding is not None else text


class Guard:
    def __init__(self, tok: Tokenizer, content: Content | None = None,
                 ranges: dict[str, tuple[int, int]] | None = None, max_len: int | None = None,
                 learned: Trained | None = None, template: str = VERSION):
        self.tok = tok
        self.template = template  # what the model reads: v3 (names), or v4 (rules and slots)
        self.content = content or default()
        # the entries of the content in play that differ from what the model learned (none: no check)
        self.learned = learned
        self.changes = learned.changes(self.content) if learned is not None else {}
        self.ranges = {**TEMPLATE_RANGES, **{k: (int(v[0]), int(v[1])) for k, v in (ranges or {}).items()}}
        self.trained = bool(ranges)
        self.max_len = max_len

    @classmethod
    def for_model(cls, tok: Tokenizer, meta: dict, content: Content | None = None) -> Guard:
        """The guard for a model, from its weights' config and metadata."""
        template = meta.get("template", VERSION)
        learned = Trained.of(meta) if template == VERSION else None  # a v4 model reads the rules: no table to match
        return cls(tok, content, meta.get("ranges"), meta.get("config", {}).get("max_len"), learned, template)

    def check(self, prompt: str) -> tuple[Prompt, list[int]]:
        """The parsed prompt and its token ids, or Refusal naming the field."""
        r = self.read(prompt)
        return r.parsed, r.ids

    def read(self, prompt: str) -> Reading:
        """The prompt as the network reads it, or Refusal naming the field."""
        try:
            parsed = parse_prompt(prompt, self.content)
        except TemplateError as exc:
            raise Refusal(str(exc), "template") from None
        slotted = self.template == SLOTTED
        if parsed.version != VERSION and not (slotted and parsed.version == SLOTTED):
            raise Refusal(f"line 1 (head): template version {parsed.version!r}, the model reads {self.template!r}",
                          "template")
        self._canonical(prompt, parsed)
        if self.changes:
            self._content(parsed)
        binding, view, order = None, parsed, self.content.status_order
        if slotted:  # names to slots, the rules written in: what the network reads (model/slots.py)
            try:
                binding = Binding.of(parsed.encounter, parsed.action, self.content)
            except TooManyNames as exc:
                raise Refusal(str(exc), "vocabulary") from None
            view = binding.view(parsed.encounter, parsed.action, parsed.rolls)  # built, not parsed back: per turn
            text = serialize_prompt(view.encounter, view.action, view.rolls, view.version, binding.content)
            order = binding.content.status_order
        else:
            text = prompt
        ids = self.tok.encode(text)
        if self.tok.unk in ids:
            self._vocabulary(text)
        try:
            check_action(parsed.encounter, parsed.action, self.content)
        except IllegalAction as exc:
            raise Refusal(f"line 1 (head): action: {exc}", "action") from None
        source = "the model was trained on" if self.trained else "of the template"
        values = list(_values(parsed))
        if slotted:
            rule = f"the rule of {parsed.action.ability}"
            values += [(rule, name, v) for name, v in rule_values(self.content.abilities[parsed.action.ability])]
        for where, name, value in values:
            lo, hi = self.ranges[name]
            if not lo <= value <= hi:
                raise Refusal(f"{where}: {name.replace('_', ' ')} {value} is outside the {lo}..{hi} {source}", "range")
        if self.max_len is not None:
            need = len(ids) + 1 + longest(view, order)
            if need > self.max_len:
                raise Refusal(f"prompt: {len(ids)} tokens; with its answer that is {need}, "
                              f"the model reads at most {self.max_len}", "length")
        return Reading(view, ids, order, binding)

    def reason(self, prompt: str) -> str | None:
        """None if the guard lets `prompt` through, else why not."""
        try:
            self.check(prompt)
        except Refusal as exc:
            return str(exc)
        return None

    def _canonical(self, text: str, p: Prompt) -> None:
        for n, c in enumerate(p.encounter.combatants):
            # the template does not name the hero's class: its slots are any class's
            kinds = (self.content.hero, *self.content.classes.values()) if c.label == HERO else (self.content.monsters[c.kind],)
            wants = list(dict.fromkeys(self.content.cooldown_slots(k.abilities) for k in kinds))
            have = tuple(a for a, _ in c.cooldowns)
            if have not in wants:
                said = " or ".join(f"'{' '.join(w)}'" for w in wants)
                raise Refusal(f"{_where(n, c.label)}: cd: slots '{' '.join(have)}', a {c.kind} has "
                              f"{said} in that order", "canonical")
        canonical = serialize_prompt(p.encounter, p.action, p.rolls, p.version, self.content)
        if canonical != text:  # the parser is strict, so this is a belt to its braces
            for n, (got, want) in enumerate(zip(text.split("\n"), canonical.split("\n"), strict=False)):
                if got != want:
                    where = "line 1 (head)" if n == 0 else _where(n - 1, p.encounter.combatants[n - 1].label)
                    raise Refusal(f"{where}: not canonical: {got!r}, expected {want!r}", "canonical")
            raise Refusal("prompt: not canonical (line count)", "canonical")

    def _content(self, p: Prompt) -> None:
        """Refuse a turn that meets an entry the model learned otherwise, or never."""

        def refuse(where: str, what: str, name: str) -> None:
            why = self.changes.get((what, name))
            if why is not None:
                noun = {"ability": "ability", "status": "status", "kind": "kind"}[what]
                raise Refusal(f"{where}: {noun} '{name}' is not the content the model was trained on ({why})", "content")

        order = self.changes.get(("order", "statuses"))
        if order is not None:
            raise Refusal(f"prompt: {order}: the model was trained on another order", "content")
        act = p.action.ability
        refuse("line 1 (head)", "ability", act)
        applies = self.content.abilities[act].applies
        if applies is not None:
            refuse(f"line 1 (head): {act} applies", "status", applies.status)
        learned = self.learned.record
        for n, c in enumerate(p.encounter.combatants):
            where = _where(n, c.label)
            refuse(where, "kind", c.kind)
            for s in c.statuses:
                refuse(where, "status", s.name)
                pairs = learned["statuses"][s.name].get("applied")
                if (("applied", s.name) in self.changes) and not fits(pairs, s.turns, s.power):
                    raise Refusal(f"{where}: status '{s.name}' {s.turns} turns power {s.power} is not the content the "
                                  f"model was trained on (it saw {s.name} at {applied_words(pairs)})", "content")
            for slot, left in c.cooldowns:
                was = learned["abilities"].get(slot, {}).get("cooldown")
                if ("ability", slot) in self.changes and (not isinstance(was, int) or left > was):
                    raise Refusal(f"{where}: cooldown {slot} {left} is not the content the model was trained on "
                                  f"({self.changes[('ability', slot)]})", "content")

    def _vocabulary(self, text: str) -> None:
        for n, line in enumerate(text.split("\n")):
            if self.tok.unk in self.tok.encode(line):
                where = "line 1 (head)" if n == 0 else _where(n - 1, line.split(" ")[0])
                unknown = [w for w in line.split(" ") if self.tok.unk in self.tok.encode(w)]
                raise Refusal(f"{where}: {', '.join(map(repr, unknown)) or 'a number'} is outside the model's "
                              f"vocabulary (content added after it was trained?)", "vocabulary")
        raise Refusal("prompt: words or numbers outside the model's vocabulary", "vocabulary")
