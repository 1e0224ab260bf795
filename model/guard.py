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

from game.combat import schema
from game.combat.content import Content, default
from game.combat.encounter import HERO
from game.combat.rules import IllegalAction, check_action
from game.combat.template import VERSION, Prompt, TemplateError, parse_prompt, serialize_prompt
from model.grammar import longest
from model.tokenizer import Tokenizer
from model.trained import Trained, applied_words, fits

# The template's ranges (game/schema.py): what the guard allows when the weights carry none.
TEMPLATE_RANGES: dict[str, tuple[int, int]] = {n.name: (n.lo, n.hi) for n in schema.PROMPT_NUMBERS.values()}

# Refusal kinds, in the order the checks run.
KINDS = ("template", "canonical", "content", "vocabulary", "action", "range", "length")


class Refusal(TemplateError):
    """A prompt the model must not answer. `kind` is one of KINDS."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


def _where(n: int, label: str) -> str:
    return f"line {n + 2} ({label})"


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


class Guard:
    def __init__(self, tok: Tokenizer, content: Content | None = None,
                 ranges: dict[str, tuple[int, int]] | None = None, max_len: int | None = None,
                 learned: Trained | None = None):
        self.tok = tok
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
        return cls(tok, content, meta.get("ranges"), meta.get("config", {}).get("max_len"), Trained.of(meta))

    def check(self, prompt: str) -> tuple[Prompt, list[int]]:
        """The parsed prompt and its token ids, or Refusal naming the field."""
        try:
            parsed = parse_prompt(prompt, self.content)
        except TemplateError as exc:
            raise Refusal(str(exc), "template") from None
        if parsed.version != VERSION:
            raise Refusal(f"line 1 (head): template version {parsed.version!r}, the model reads {VERSION!r}", "template")
        self._canonical(prompt, parsed)
        if self.changes:
            self._content(parsed)
        ids = self.tok.encode(prompt)
        if self.tok.unk in ids:
            self._vocabulary(prompt)
        try:
            check_action(parsed.encounter, parsed.action, self.content)
        except IllegalAction as exc:
            raise Refusal(f"line 1 (head): action: {exc}", "action") from None
        source = "the model was trained on" if self.trained else "of the template"
        for where, name, value in _values(parsed):
            lo, hi = self.ranges[name]
            if not lo <= value <= hi:
                raise Refusal(f"{where}: {name.replace('_', ' ')} {value} is outside the {lo}..{hi} {source}", "range")
        if self.max_len is not None:
            need = len(ids) + 1 + longest(parsed, self.content.status_order)
            if need > self.max_len:
                raise Refusal(f"prompt: {len(ids)} tokens; with its answer that is {need}, "
                              f"the model reads at most {self.max_len}", "length")
        return parsed, ids

    def reason(self, prompt: str) -> str | None:
        """None if the guard lets `prompt` through, else why not."""
        try:
            self.check(prompt)
        except Refusal as exc:
            return str(exc)
        return None

    def _canonical(self, text: str, p: Prompt) -> None:
        for n, c in enumerate(p.encounter.combatants):
            kind = self.content.hero if c.label == HERO else self.content.monsters[c.kind]
            want = self.content.cooldown_slots(kind.abilities)
            have = tuple(a for a, _ in c.cooldowns)
            if have != want:
                raise Refusal(f"{_where(n, c.label)}: cd: slots '{' '.join(have)}', a {c.kind} has "
                              f"'{' '.join(want)}' in that order", "canonical")
        canonical = serialize_prompt(p.encounter, p.action, p.rolls)
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
