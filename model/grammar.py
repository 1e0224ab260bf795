"""The target grammar as token constraints, so every decoded block parses.

`target_grammar(prompt, tok)` is a generator: it yields the set of token ids
allowed next and receives the id chosen. A set of one is a token the grammar
fixes (a keyword, a combatant label, a cooldown slot name, a tens digit that
a small range forces), which the decoder emits without asking the network.

It walks the target lines of the template's schema (game/schema.py): the
work lines in their order, then the outcome, the clock and one row per
combatant. The constraints are the template's structure and its value ranges
only (hp at most that combatant's max, durations 1-9, statuses in canonical
order, a work line's terms in their order): never the rules. Which work
lines a turn needs, which terms, every number, which status, whose turn is
next: all of that is the network's choice.
"""

from __future__ import annotations

from collections.abc import Generator

from game.combat import schema
from game.combat.encounter import END, LABELS, Combatant
from game.combat.schema import Each, Flag, Line, Lit, Num, Slash, Terms, Word
from game.combat.template import Prompt
from model.tokenizer import Tokenizer, width_after

Choice = Generator[frozenset[int], int, bool]

# The work lines a target may open with, after each kind of step: a tick and
# a blow (or heal) each change someone's hp, which the line after them says;
# `alive` closes the work.
_NEXT_WORK = {None: ("ticks", "damage", "healing", "alive"), "ticks": ("damage", "healing", "alive"),
              "damage": ("alive",), "healing": ("alive",)}


class _Ids:
    def __init__(self, tok: Tokenizer):
        self.tok = tok
        self.places = [[tok.index[f"{p}{d}"] for d in range(10)] for p in "uth"]
        self.digit = {i: d for place in self.places for d, i in enumerate(place)}
        self.newline = self.one("\n")

    def one(self, word: str) -> frozenset[int]:
        return frozenset((self.tok.index[word],))

    def words(self, words) -> frozenset[int]:
        return frozenset(self.tok.index[w] for w in words)


def _digits(ids: _Ids, lo: int, hi: int, width: int) -> Choice:
    """A number in lo..hi (lo >= 0) as `width` place-tagged digits, units
    first: a digit is allowed if some choice of the digits above it lands in
    range."""
    value = 0
    for place in range(width):
        step, stride, top = 10**place, 10 ** (place + 1), 10 ** (width - place - 1)
        allowed = []
        for d in range(10):
            low = value + d * step  # the higher digits all 0
            rest = max(0, -((low - lo) // stride))  # the least higher part reaching lo
            if rest < top and low + rest * stride <= hi:
                allowed.append(ids.places[place][d])
        value += ids.digit[(yield frozenset(allowed))] * step
    return False


def _number(ids: _Ids, lo: int, hi: int, signed: bool, before: str) -> Choice:
    """A number in lo..hi, as the tokenizer writes it after the word `before`
    (signed: the sign first, and never `-0`)."""
    if not signed:
        return (yield from _digits(ids, lo, hi, width_after(before)))
    signs = [s for s, ok in (("+", hi >= 0), ("-", lo < 0)) if ok]
    sign = ids.tok.vocab[(yield ids.words(signs))]
    low, high = (max(0, lo), hi) if sign == "+" else (max(1, -hi), -lo)
    return (yield from _digits(ids, low, high, width_after(sign)))


class _Lines:
    """Walks target lines' items, with what the prompt fixes."""

    def __init__(self, ids: _Ids, prompt: Prompt, status_order: tuple[str, ...]):
        self.ids, self.status_order = ids, status_order
        self.labels = [c.label for c in prompt.encounter.combatants]

    def rest(self, line: Line, lead: str, combatant: Combatant | None = None) -> Choice:
        """The items of `line` after its lead word; returns True when its
        last item took the newline (a list that ends where the line does)."""
        ids, before, took, skip = self.ids, lead, False, False
        for n, item in enumerate(line.items[1:], 1):
            last = n == len(line.items) - 1
            if isinstance(item, Flag):
                # `max N` or the line's end: whether the sum went past the max is the network's to say;
                # N is then the combatant's max hp, by what the flag means
                stop = ids.newline if last else ids.one(line.items[n + 1].word)
                if (yield ids.one(item.word) | stop) in stop:
                    took, skip = last, not last
                    continue
                yield from _digits(ids, combatant.max_hp, combatant.max_hp, width_after(item.word))
                before = "<number>"
                continue
            if isinstance(item, Lit):
                if not skip:  # a list before it may have taken it as its end
                    yield ids.one(item.word)
                before, skip = item.word, False
            elif isinstance(item, Slash):
                yield ids.one("/")
                before = "/"
            elif isinstance(item, Word):
                words = (*self.labels, END) if item.cls == "next" else schema.RESULTS
                before = ids.tok.vocab[(yield ids.words(words))]
            elif isinstance(item, Num):
                yield from self._num(item, combatant, before)
                before = "<number>"
            elif isinstance(item, Each):
                stop = ids.newline if last else ids.one(line.items[n + 1].word)
                ended = yield from self.each(item, combatant, stop)
                took, skip = ended and last, ended and not last
            elif isinstance(item, Terms):
                took = yield from self.terms(item)
        return took

    def _num(self, item: Num, combatant: Combatant | None, before: str) -> Choice:
        lo, hi = item.number.lo, item.number.hi
        if combatant is not None and item.number in (schema.HP, schema.MP):
            hi = min(hi, combatant.max_hp if item.number is schema.HP else combatant.max_mp)
        if combatant is not None and item.number is schema.MAX_HP:  # a work line's `hp 29/30`: the combatant's max
            lo = hi = combatant.max_hp
        return _number(self.ids, lo, hi, item.number.signed, before)

    def each(self, item: Each, combatant: Combatant | None, stop: frozenset[int]) -> Choice:
        """Groups in canonical order, until `stop` (returns True if it came)."""
        ids = self.ids
        if item.cls == "slot":  # a row's slots are the prompt's, in its order
            for slot, _ in combatant.cooldowns:
                yield ids.one(slot)
                yield from _digits(ids, item.numbers[0].lo, item.numbers[0].hi, width_after(slot))
            return False
        later = list(self.status_order if item.cls == "status" else self.labels)
        while True:
            chosen = yield ids.words(later) | stop
            if chosen in stop:
                return True
            word = ids.tok.vocab[chosen]
            later = later[later.index(word) + 1:]
            before = word
            for number in item.numbers:
                yield from _number(ids, number.lo, number.hi, number.signed, before)
                before = "<number>"

    def terms(self, item: Terms) -> Choice:
        """A running sum: at least one term; returns True (it takes the newline)."""
        ids = self.ids
        later = list(self.status_order if isinstance(item.parts, str) else item.parts)
        first = True
        while True:
            chosen = yield ids.words(later) | (frozenset() if first else ids.newline)
            if chosen in ids.newline:
                return True
            part = ids.tok.vocab[chosen]
            later = later[later.index(part) + 1:]
            spec = item.number(part)
            yield from _number(ids, spec.lo, spec.hi, True, part)
            if not first:
                yield ids.one("=")
                yield from _number(ids, schema.TOTAL.lo, schema.TOTAL.hi, True, "=")
            first = False


def target_grammar(prompt: Prompt, tok: Tokenizer, status_order: tuple[str, ...]) -> Choice:
    ids = _Ids(tok)
    lines = _Lines(ids, prompt, status_order)
    enc = prompt.encounter
    work = {line.lead: line for line in schema.CURRENT.work}

    step = None
    while work and step != "alive":  # the work, one step a line
        step = tok.vocab[(yield ids.words(_NEXT_WORK[step]))]
        if not (yield from lines.rest(work[step], step)):
            yield ids.newline
        if step != "alive":  # whose hp the step changed
            label = tok.vocab[(yield ids.words(lines.labels))]
            if not (yield from lines.rest(schema.HP_CHANGE, label, enc.get(label))):
                yield ids.newline

    yield ids.one("tick")
    yield from lines.rest(schema.OUTCOME, "tick")
    yield ids.newline
    yield ids.one("turn")
    yield from lines.rest(schema.CLOCK, "turn")
    yield ids.newline
    for n, c in enumerate(enc.combatants):
        yield ids.one(c.label)
        yield from lines.rest(schema.ROW, c.label, c)
        yield ids.newline if n + 1 < len(enc.combatants) else frozenset((tok.eos,))


def longest(prompt: Prompt, status_order: tuple[str, ...]) -> int:
    """The most tokens a target for `prompt` can take, <eos> included."""
    signed = 1 + width_after("+")

    def tokens(line: Line, combatant: Combatant | None = None) -> int:
        n, before = 0, "<number>"
        for item in line.items:
            if isinstance(item, Lit):
                n, before = n + 1, item.word
            elif isinstance(item, Flag):
                n, before = n + 1 + width_after(item.word), "<number>"
            elif isinstance(item, Slash):
                n, before = n + 1, "/"
            elif isinstance(item, Word):
                n, before = n + 1, max(schema.RESULTS, key=width_after) if item.cls == "result" else "<number>"
            elif isinstance(item, Num):
                n, before = n + (signed if item.number.signed else width_after(before)), "<number>"
            elif isinstance(item, Each) and item.cls == "slot":
                n += sum(1 + width_after(slot) for slot, _ in combatant.cooldowns)
            elif isinstance(item, Each):
                words = status_order if item.cls == "status" else LABELS
                n += sum(1 + sum(width_after(w if k == 0 else "<number>") for k in range(len(item.numbers)))
                         for w in words)
            elif isinstance(item, Terms):
                parts = status_order if isinstance(item.parts, str) else item.parts
                n += len(parts) * (1 + signed) + (len(parts) - 1) * (1 + signed)
        return n + 1  # the newline (the last row's <eos>)

    enc = prompt.encounter
    steps = 0
    if schema.CURRENT.work:
        hp = max(tokens(schema.HP_CHANGE, c) for c in enc.combatants)
        steps = tokens(schema.TICKS) + hp + max(tokens(schema.DAMAGE), tokens(schema.HEALING)) + hp + tokens(schema.ALIVE)
    return steps + tokens(schema.OUTCOME) + tokens(schema.CLOCK) + sum(tokens(schema.ROW, c) for c in enc.combatants)
