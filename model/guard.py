"""The input guard: what the model refuses to read, and why.

A tiny model given a prompt it was never trained on does not fail loudly: it
answers, confidently and wrongly (a misspelt `regn` becomes an unknown token
and the effect is half-kept; a swapped line is read by position). So before
decoding, the prompt must be one the model can be trusted with:

1. it parses (`parse_prompt`: the template's fields, names and ranges);
2. it is canonical: `serialize_prompt(parse) == text` byte for byte, and each
   combatant has exactly its kind's cooldown slots, in order;
3. every word and number is in the model's vocabulary (content added after
   the model was trained is not);
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

# The template's ranges (game/schema.py): what the guard allows when the weights carry none.
TEMPLATE_RANGES: dict[str, tuple[int, int]] = {n.name: (n.lo, n.hi) for n in schema.PROMPT_NUMBERS.values()}

# Refusal kinds, in the order the checks run.
KINDS = ("template", "canonical", "vocabulary", "action", "range", "length")


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
                 ranges: dict[str, tuple[int, int]] | None = None, max_len: int | None = None):
        self.tok = tok
        self.content = content or default()
        self.ranges = {**TEMPLATE_RANGES, **{k: (int(v[0]), int(v[1])) for k, v in (ranges or {}).items()}}
        self.trained = bool(ranges)
        self.max_len = max_len

    @classmethod
    def for_model(cls, tok: Tokenizer, meta: dict, content: Content | None = None) -> Guard:
        """The guard for a model, from its weights' config and metadata."""
        return cls(tok, content, meta.get("ranges"), meta.get("config", {}).get("max_len"))

    def check(self, prompt: str) -> tuple[Prompt, list[int]]:
        """The parsed prompt and its token ids, or Refusal naming the field."""
        try:
            parsed = parse_prompt(prompt, self.content)
        except TemplateError as exc:
            raise Refusal(str(exc), "template") from None
        if parsed.version != VERSION:
            raise Refusal(f"line 1 (head): template version {parsed.version!r}, the model reads {VERSION!r}", "template")
        self._canonical(prompt, parsed)
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

    def _vocabulary(self, text: str) -> None:
        for n, line in enumerate(text.split("\n")):
            if self.tok.unk in self.tok.encode(line):
                where = "line 1 (head)" if n == 0 else _where(n - 1, line.split(" ")[0])
                unknown = [w for w in line.split(" ") if self.tok.unk in self.tok.encode(w)]
                raise Refusal(f"{where}: {', '.join(map(repr, unknown)) or 'a number'} is outside the model's "
                              f"vocabulary (content added after it was trained?)", "vocabulary")
        raise Refusal("prompt: words or numbers outside the model's vocabulary", "vocabulary")
