"""Text <-> tokens for the combat template.

The vocabulary is the template's own words (built from the game content) plus
numbers written as place-tagged digits, least significant first: 37 is
`u7 t3`, turn 5 is `u5 t0 h0`. Distinct tokens per place tell a tiny model
which digit it is computing, and least-significant-first lets it carry the way
written arithmetic does. Each field has a fixed width: hp, mp, atk, def, the
d20, the tick and the amount two digits, the turn three, the rest (durations,
powers, cooldowns, the d4: all 0-9) one. Unknown words become <unk>: never an
exception.

`Structure` gives every token its place in the template: prompt or target,
which line (the head, the outcome, the clock, or combatant k), the field word
it belongs to, and which number of that field it is. The network adds these
as embeddings, so copying "m1's hp" is a match on labels, not a search.
"""

from __future__ import annotations

import re

from game.content import Content, default
from game.encounter import END, HERO_KIND, LABELS, RESULTS
from game.template import VERSION

PAD, UNK, SEP, EOS = "<pad>", "<unk>", "<sep>", "<eos>"
SPECIALS = (PAD, UNK, SEP, EOS)
PLACES = ("u", "t", "h")  # units, tens, hundreds
KEYWORDS = ("turn", "roll", "hp", "mp", "atk", "def", "st", "cd", "tick", "next")
PUNCT = ("\n", "/", "+", "-")
WIDTH_AFTER = {"turn": 3, "hp": 2, "mp": 2, "/": 2, "atk": 2, "def": 2, "roll": 2, "+": 2, "-": 2,
               **{r: 2 for r in RESULTS}}

_SPLIT = re.compile(r"\n|[+\-/]|[^\s/+\-]+| ")


def template_words(content: Content) -> list[str]:
    words = [VERSION, *KEYWORDS, *LABELS, END, HERO_KIND, *RESULTS]
    words += list(content.monsters) + list(content.abilities) + list(content.statuses)
    return list(dict.fromkeys(words))  # keep order, drop repeats (guard is both)


class Tokenizer:
    def __init__(self, words: list[str]):
        digits = [f"{p}{d}" for p in PLACES for d in range(10)]
        self.vocab: list[str] = list(dict.fromkeys([*SPECIALS, *PUNCT, *digits, *words]))
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.pad, self.unk, self.sep, self.eos = (self.index[s] for s in SPECIALS)

    @classmethod
    def for_content(cls, content: Content | None = None) -> Tokenizer:
        return cls(template_words(content or default()))

    def __len__(self) -> int:
        return len(self.vocab)

    def id(self, word: str) -> int:
        return self.index.get(word, self.unk)

    def encode(self, text: str) -> list[int]:
        out: list[int] = []
        previous = ""
        for piece in _SPLIT.findall(text):
            if piece == " ":
                continue
            if piece.isdigit() and piece.isascii():
                value = int(piece)
                width = max(WIDTH_AFTER.get(previous, 1), len(str(value)))
                if value >= 1000 or (len(piece) > 1 and piece[0] == "0"):
                    out.append(self.unk)  # outside the template's numbers
                else:
                    out += [self.index[f"{PLACES[i]}{value // 10**i % 10}"] for i in range(width)]
            else:
                out.append(self.id(piece))
            previous = piece
        return out

    def decode(self, ids: list[int]) -> str:
        """Tokens back to template text (stops at <eos>)."""
        words: list[str] = []
        digits: list[int] = []

        def flush() -> None:
            if digits:
                words.append(str(sum(d * 10**i for i, d in enumerate(digits))))
                digits.clear()

        for i in ids:
            tok = self.vocab[i] if 0 <= i < len(self.vocab) else UNK
            if tok == EOS:
                break
            if len(tok) == 2 and tok[0] in PLACES and tok[1].isdigit():
                if tok[0] == "u":
                    flush()
                digits.append(int(tok[1]))
                continue
            flush()
            words.append(tok)
        flush()
        # words are space-separated, except around "/" and newlines and after a sign
        text = ""
        for before, word in zip([None, *words], words, strict=False):
            glued = before is None or word in ("/", "\n") or before in ("/", "\n", "+", "-")
            text += word if glued else " " + word
        return text


# Roles of lines: the prompt's head and the target's outcome and clock lines,
# then combatant k (shared by prompt and target, so rows align).
HEAD, OUTCOME, CLOCK, FIRST_COMBATANT = 0, 1, 2, 3
N_ROLES = FIRST_COMBATANT + 4
N_ARGS = 4


class Structure:
    """Scans token ids left to right and tells each one's (segment, role,
    field, arg): where it sits in the template. Incremental, so decoding pays
    only for the tokens it adds."""

    def __init__(self, tok: Tokenizer, content: Content | None = None):
        content = content or default()
        self.tok = tok
        fields = {*KEYWORDS, *RESULTS, *content.abilities, *content.statuses}
        self.field_ids = {i for i, w in enumerate(tok.vocab) if w in fields}
        self.units = {tok.index[f"u{d}"] for d in range(10)}
        self.newline = tok.index["\n"]
        self.reset()

    def reset(self) -> Structure:
        """Back to the start of a sequence (cheaper than a new scanner)."""
        self.segment, self.line, self.field, self.arg = 0, 0, self.tok.pad, 0
        return self

    def role(self) -> int:
        if self.segment == 0:
            return HEAD if self.line == 0 else FIRST_COMBATANT + min(self.line - 1, 3)
        return (OUTCOME, CLOCK)[self.line] if self.line < 2 else FIRST_COMBATANT + min(self.line - 2, 3)

    def push(self, i: int) -> tuple[int, int, int, int]:
        if i == self.tok.sep:
            self.segment, self.line, self.field, self.arg = 1, 0, self.tok.pad, 0
        elif i == self.newline:
            here = (self.segment, self.role(), self.field, self.arg)
            self.line += 1
            self.field, self.arg = self.tok.pad, 0
            return here
        elif i in self.field_ids:
            self.field, self.arg = i, 0
        elif i in self.units:
            self.arg = min(self.arg + 1, N_ARGS - 1)
        return self.segment, self.role(), self.field, self.arg

    def of(self, ids: list[int]) -> list[tuple[int, int, int, int]]:
        return [self.push(i) for i in ids]
