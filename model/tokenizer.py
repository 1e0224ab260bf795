"""Text <-> tokens for the combat template.

The vocabulary is the template's own words (built from the game content) plus
numbers written as place-tagged digits, least significant first: 37 is
`u7 t3`, turn 5 is `u5 t0 h0`. Distinct tokens per place tell a tiny model
which digit it is computing, and least-significant-first lets it carry the way
written arithmetic does. Each number has a fixed width, the width the
template's schema gives the word before it (game/schema.py: `widths`): hp, mp,
atk, def, the d20, signed numbers and amounts two digits, the turn three,
durations, powers, cooldowns and the d4 one. Unknown words become <unk>:
never an exception.

`Structure` gives every token its place in the template: prompt, work or
block, which line (by the line's first word: the head, a combatant, the
outcome, the clock, a work line), the field word it belongs to, and which
number of that field it is. The network adds these as embeddings, so copying
"m1's hp" is a match on labels, not a search.
"""

from __future__ import annotations

import re

from game.combat import schema
from game.combat.content import Content, default
from game.combat.encounter import END, HERO_KIND, LABELS, RESULTS
from game.combat.template import VERSION
from model.slots import ABILITY_SLOTS, STATUS_SLOTS

PAD, UNK, SEP, EOS = "<pad>", "<unk>", "<sep>", "<eos>"
SPECIALS = (PAD, UNK, SEP, EOS)
PLACES = ("u", "t", "h")  # units, tens, hundreds
KEYWORDS = schema.keywords()
# every version's keywords: field words wherever a vocabulary has them (a v3 model's has none of v4's)
ALL_KEYWORDS = tuple(dict.fromkeys(w for v in schema.VERSIONS.values() for w in schema.keywords(v)))
PUNCT = ("\n", "/", "+", "-")


def _widths() -> dict[str, int]:
    """Every version's widths in one table (a word has one width in all)."""
    out: dict[str, int] = {}
    for v in schema.VERSIONS.values():
        for key, width in schema.widths(v).items():
            out[key] = max(out.get(key, 0), width)
    return out


WIDTHS = _widths()

_SPLIT = re.compile(r"\n|[+\-/]|[^\s/+\-]+| ")


def width_after(word: str) -> int:
    """Digits of a number written right after `word`. A content word takes
    the widest of the classes it may be (`heal` is an ability, whose cooldown
    is one digit, and a result, whose amount is two): the tokenizer sees the
    word, not the line."""
    if word in WIDTHS:
        return WIDTHS[word]
    if word.isdigit():
        return WIDTHS["<number>"]
    classes = ["<status>", "<slot>"] + (["<result>"] if word in RESULTS else [])
    return max(WIDTHS.get(c, 1) for c in classes)


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
                width = max(width_after(previous), len(str(value)))
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


# Roles of lines, told by a line's first word: the prompt's head, the
# target's outcome and clock lines, combatant k (shared by prompt, work and
# block, so rows align), then the work lines of the template's schema.
HEAD, OUTCOME, CLOCK, FIRST_COMBATANT = 0, 1, 2, 3
WORK_ROLES = tuple(line.lead for line in schema.CURRENT.work if line.lead != "label")
# v4's prompt lines after the head (the turn's rules), roles after v3's, so v3 weights keep theirs
RULE_ROLES = tuple(line.lead for line in schema.V4.prompt[1:-1])
N_ROLES_V3 = FIRST_COMBATANT + len(LABELS) + len(WORK_ROLES)
N_ROLES = N_ROLES_V3 + len(RULE_ROLES)
N_ARGS = 4
# Segments: the prompt, the next-state block, and the work written before it
# (a v1 target is all block: its tokens are placed as v1 models learned).
PROMPT, BLOCK, WORK = 0, 1, 2
N_SEGMENTS = 3


class Structure:
    """Scans token ids left to right and tells each one's (segment, role,
    field, arg): where it sits in the template. Incremental, so decoding pays
    only for the tokens it adds; `state` and `restore` let a decoder take
    back tokens it tried."""

    def __init__(self, tok: Tokenizer, content: Content | None = None):
        content = content or default()
        self.tok = tok
        # a v4 vocabulary's names are slots (model/slots.py): they are fields as names are
        fields = {*ALL_KEYWORDS, *RESULTS, *content.abilities, *content.statuses, *ABILITY_SLOTS, *STATUS_SLOTS}
        self.field_ids = {i for i, w in enumerate(tok.vocab) if w in fields}
        self.units = {tok.index[f"u{d}"] for d in range(10)}
        self.newline = tok.index["\n"]
        self.labels = {tok.index[w]: FIRST_COMBATANT + k for k, w in enumerate(LABELS)}
        self.prompt_leads = {**self.labels, **{tok.index[w]: N_ROLES_V3 + k for k, w in enumerate(RULE_ROLES)
                                               if w in tok.index}}
        leads = {"tick": OUTCOME, "turn": CLOCK, **{w: FIRST_COMBATANT + len(LABELS) + k for k, w in enumerate(WORK_ROLES)}}
        self.leads = {**self.labels, **{tok.index[w]: r for w, r in leads.items() if w in tok.index}}
        self.block_lead = tok.index.get("tick")
        self.reset()

    def reset(self) -> Structure:
        """Back to the start of a sequence (cheaper than a new scanner)."""
        self.segment, self.role, self.fresh, self.field, self.arg = PROMPT, HEAD, True, self.tok.pad, 0
        self.in_block = False
        return self

    @property
    def state(self) -> tuple:
        return self.segment, self.role, self.fresh, self.field, self.arg, self.in_block

    def restore(self, state: tuple) -> None:
        self.segment, self.role, self.fresh, self.field, self.arg, self.in_block = state

    def push(self, i: int) -> tuple[int, int, int, int]:
        if i == self.tok.sep:  # placed as v1 placed it: the block's outcome line
            self.segment, self.role, self.fresh, self.field, self.arg = BLOCK, OUTCOME, True, self.tok.pad, 0
            return self.segment, self.role, self.field, self.arg
        if i == self.newline:
            here = (self.segment, self.role, self.field, self.arg)
            self.fresh, self.field, self.arg = True, self.tok.pad, 0
            return here
        if self.fresh:  # a line's first word says which line it is
            self.fresh = False
            if self.segment == PROMPT:
                self.role = self.prompt_leads.get(i, HEAD)
            else:
                # work lines come before the block, whose first line is the outcome ("tick ...")
                self.in_block = self.in_block or i == self.block_lead
                self.segment = BLOCK if self.in_block else WORK
                self.role = self.leads.get(i, self.role)
        if i in self.field_ids:
            self.field, self.arg = i, 0
        elif i in self.units:
            self.arg = min(self.arg + 1, N_ARGS - 1)
        return self.segment, self.role, self.field, self.arg

    def of(self, ids: list[int]) -> list[tuple[int, int, int, int]]:
        return [self.push(i) for i in ids]
