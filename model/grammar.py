"""The target grammar as token constraints, so every decoded block parses.

`target_grammar(prompt, tok)` is a generator: it yields the set of token ids
allowed next and receives the id chosen. A set of one is a token the grammar
fixes (a keyword, a combatant label, a cooldown slot name, a tens digit that
a small range forces), which the decoder emits without asking the network.

The constraints are the template's structure and its value ranges only (hp
at most that combatant's max, durations 1-9, statuses in canonical order):
never the rules. Which status, how much damage, whose turn is next: all of
that is the network's choice.
"""

from __future__ import annotations

from collections.abc import Generator

from game.encounter import END, MAX_MP, MAX_STAT, MAX_TURNS, RESULTS
from game.template import Prompt

from .tokenizer import WIDTH_AFTER, Tokenizer

Choice = Generator[frozenset[int], int, None]


class _Ids:
    def __init__(self, tok: Tokenizer):
        self.tok = tok
        self.u = [tok.index[f"u{d}"] for d in range(10)]
        self.t = [tok.index[f"t{d}"] for d in range(10)]
        self.h = [tok.index[f"h{d}"] for d in range(10)]
        self.digit = {i: d for place in (self.u, self.t, self.h) for d, i in enumerate(place)}

    def one(self, word: str) -> frozenset[int]:
        return frozenset((self.tok.index[word],))


def _number(ids: _Ids, lo: int, hi: int) -> Choice:
    """A two-digit number in lo..hi, units first."""
    units = frozenset(ids.u[d] for d in range(10) if any(lo <= 10 * t + d <= hi for t in range(10)))
    u = ids.digit[(yield units)]
    yield frozenset(ids.t[t] for t in range(10) if lo <= 10 * t + u <= hi)


def _digit(ids: _Ids, lo: int, hi: int) -> Choice:
    """A one-digit field (durations, powers, cooldowns) in lo..hi."""
    yield frozenset(ids.u[d] for d in range(lo, hi + 1))


def target_grammar(prompt: Prompt, tok: Tokenizer, status_order: tuple[str, ...]) -> Choice:
    ids = _Ids(tok)
    one = ids.one
    enc = prompt.encounter
    labels = [c.label for c in enc.combatants]

    yield one("tick")
    sign = yield frozenset((tok.index["+"], tok.index["-"]))
    yield from _number(ids, 1 if sign == tok.index["-"] else 0, 3 * MAX_TURNS)  # no tick is "-0"
    yield frozenset(tok.index[r] for r in RESULTS)
    yield from _number(ids, 0, MAX_STAT)
    yield one("\n")

    yield one("turn")
    u = ids.digit[(yield frozenset(ids.u))]
    t = ids.digit[(yield frozenset(ids.t))]
    yield frozenset(ids.h[h] for h in range(10) if 100 * h + 10 * t + u >= 1)
    yield one("next")
    yield frozenset(tok.index[w] for w in (*labels, END))
    yield one("\n")

    status_ids = {tok.index[s]: s for s in status_order}
    for n, c in enumerate(enc.combatants):
        yield one(c.label)
        yield one("hp")
        yield from _number(ids, 0, min(c.max_hp, MAX_STAT))
        yield one("mp")
        yield from _number(ids, 0, min(c.max_mp, MAX_MP))
        yield one("st")
        later = list(status_order)
        while True:
            chosen = yield frozenset([*(tok.index[s] for s in later), tok.index["cd"]])
            if chosen == tok.index["cd"]:
                break
            later = later[later.index(status_ids[chosen]) + 1 :]
            yield from _digit(ids, 1, MAX_TURNS)
            yield from _digit(ids, 0, MAX_TURNS)
        for slot, _ in c.cooldowns:
            yield one(slot)
            # the tokenizer writes two digits after "heal" (an outcome word too):
            # the grammar must ask for the tokens training showed the network
            yield from (_number if WIDTH_AFTER.get(slot, 1) == 2 else _digit)(ids, 0, MAX_TURNS)
        yield one("\n") if n + 1 < len(enc.combatants) else frozenset((tok.eos,))
