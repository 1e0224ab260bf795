"""Drafts of a target's next tokens, copied, for the decoder to verify.

Most of a target is copies: a row's mp, statuses and cooldowns are usually
the prompt's; a work line's terms are the actor's atk, the d4, the target's
def; the block's hp is the one its work line ended on (held to its max). `Drafter` writes down
what a target would say if every value were copied from where the template
says it comes from (the prompt, or the work written so far), with holes
where only a computation can say (a sum, a sign, which result, who is
next). The decoder feeds a draft to the network in one pass and keeps the
longest prefix the network itself would have chosen: the network still
makes every decision, the draft only saves calls. Nothing here knows the
rules; a wrong guess costs nothing but its place in one pass.
"""

from __future__ import annotations

from game.combat.content import Content, default
from game.combat.encounter import Combatant
from game.combat.template import Prompt
from model.tokenizer import Tokenizer, width_after

HOLE = None  # a token only the network can fill
MOST = 64  # tokens in one draft: a verifying pass costs more the longer it is


class Drafter:
    """Pushed every token of the target as it is decided; `guess()` is the
    tokens it expects next (possibly none)."""

    def __init__(self, prompt: Prompt, tok: Tokenizer, content: Content | None = None):
        self.p, self.tok = prompt, tok
        content = content or default()
        # which way a status's term counts: the content says what it does (the rules decide whether it ticks)
        self.sign = {name: "+" if kind.tick == "heal" else "-" for name, kind in content.statuses.items()}
        self.ix = tok.index
        self.words = {i for i, w in enumerate(tok.vocab) if not (len(w) == 2 and w[0] in "uth" and w[1].isdigit())}
        self.lines: list[list[int]] = []  # finished lines of the target
        self.line: list[int] = []
        self.after: dict[str, int] = {}  # the hp each work hp line ended on, by label
        self.totals: dict[str, int | None] = {}  # each work sum's last total, by kind
        enc = prompt.encounter
        self.actor, self.target = enc.actor, prompt.action.target
        self.ability = content.abilities[prompt.action.ability]

    # --- being told the target ----------------------------------------------

    def push(self, token: int) -> None:
        if token == self.ix["\n"]:
            self._finish(self.line)
            self.lines.append(self.line)
            self.line = []
        else:
            self.line.append(token)

    def _finish(self, line: list[int]) -> None:
        words = self.tok.decode(line).split(" ")
        if len(words) >= 6 and words[1] == "hp" and words[4] == "=" and _int(words[5]) is not None:
            total, cap = _int(words[5]), _int(words[7]) if words[6:7] == ["max"] and len(words) > 7 else None
            self.after[words[0]] = total if cap is None else min(total, cap)  # `= 39 max 30`: held to the max
        elif words[0] in ("ticks", "damage", "healing") and _int(words[-1]) is not None:
            self.totals[words[0]] = _int(words[-1])

    # --- guessing -------------------------------------------------------------

    def guess(self) -> list[int]:
        expected = self._expected()
        if expected is None:
            return []
        at = _align(self.line, expected, self.words)
        if at is None:
            return []
        out: list[int] = []
        for token in expected[at:]:
            if token is HOLE or len(out) == MOST:
                break
            out.append(token)
        return out

    def _expected(self) -> list[int | None] | None:
        """The current line (and what follows it, as far as copies reach)."""
        in_block = any(line[:1] == [self.ix["tick"]] for line in self.lines)
        lead = self.tok.vocab[self.line[0]] if self.line else None
        if not in_block and lead != "tick":
            return self._work_line(lead)
        done = sum(1 for line in self.lines if self.lines.index(line) >= self._block_start())
        return self._block(done)

    def _block_start(self) -> int:
        return next(n for n, line in enumerate(self.lines) if line[:1] == [self.ix["tick"]]) \
            if any(line[:1] == [self.ix["tick"]] for line in self.lines) else len(self.lines)

    def _work_line(self, lead: str | None) -> list[int | None] | None:
        ix = self.ix
        previous = self.tok.vocab[self.lines[-1][0]] if self.lines else None
        if lead is None:
            # a sum is followed by the hp it changed: the actor's after a tick or a heal, the target's after a blow
            label = {"ticks": self.actor, "healing": self.actor, "damage": self.target}.get(previous)
            return self._hp_line(label) if label else None
        if lead in ("ticks", "damage", "healing"):
            return [ix[lead], *self._terms(lead), ix["\n"]]
        if lead == "alive":
            return [ix["alive"], *(ix[c.label] for c in self.p.encounter.combatants if c.alive), ix["\n"],
                    *self._block(0)]
        return self._hp_line(lead)

    def _hp_line(self, label: str) -> list[int | None]:
        """`label hp before/max ±change = total`: the hp copied from the
        prompt (or its last work line) and the max from the prompt, the
        change from the sum just written; whether `max N` follows is the
        network's to say."""
        ix = self.ix
        c = self.p.encounter.get(label)
        before = self.after.get(label, c.hp)
        total = self.totals.get(self.tok.vocab[self.lines[-1][0]]) if self.lines else None
        change = [HOLE, *self._num(abs(total), width_after("+"))] if total is not None else [HOLE] * 3
        digits = self._num(before, width_after("hp"))
        total = [HOLE, *self._num(before, width_after("="))[1:]]  # the sum is the network's; its tens guessed as before's
        return [ix[label], ix["hp"], *digits, ix["/"], *self._num(c.max_hp, width_after("/")), *change, ix["="],
                *total, ix["\n"]]

    def _terms(self, kind: str) -> list[int | None]:
        """Each part the sum may have, its value copied, signs and totals left open."""
        enc, ix = self.p.encounter, self.ix
        actor, target = enc.get(self.actor), enc.get(self.target)
        if kind == "ticks":
            parts = [(s.name, s.power) for s in actor.statuses]
        elif kind == "damage":
            guard = target.status("guard")
            parts = [("base", self.ability.damage), ("atk", actor.atk), ("roll", self.p.rolls.d4),
                     ("def", target.defence), *([("guard", guard.power)] if guard else [])]
        else:
            parts = [("base", self.ability.heal), ("roll", self.p.rolls.d4)]
        signs = {**self.sign, "atk": "+", "roll": "+", "def": "-", "guard": "-"}
        total = "-" if kind == "ticks" else "+"
        out: list[int | None] = []
        for n, (part, value) in enumerate(parts):
            sign = signs.get(part, "+" if value >= 0 else "-")
            out += [ix[part], ix[sign], *self._num(abs(value), width_after("+"))]
            if n:  # the running total is the network's to work out; its tens are usually 0
                out += [ix["="], ix[total], HOLE, ix["t0"]]
        return out

    def _block(self, done: int) -> list[int | None]:
        """The block's lines from its `done`-th on."""
        ix, enc = self.ix, self.p.encounter
        lines: list[list[int | None]] = []
        tick = self.totals.get("ticks", 0)
        amount = self.totals.get("damage") or self.totals.get("healing") or 0
        lines.append([ix["tick"], ix["+" if tick >= 0 else "-"], *self._num(abs(tick), width_after("+")), HOLE,
                      *self._num(max(0, amount), 2), ix["\n"]])
        lines.append([ix["turn"], *self._num(enc.turn, width_after("turn")), ix["next"], HOLE, ix["\n"]])
        for c in enc.combatants:
            lines.append(self._row(c))
        flat: list[int | None] = []
        for line in lines[done:]:
            flat += line
        return flat

    def _row(self, c: Combatant) -> list[int | None]:
        ix = self.ix
        row = [ix[c.label], ix["hp"], *self._num(self.after.get(c.label, c.hp), width_after("hp")),
               ix["mp"], *self._num(c.mp, width_after("mp")), ix["st"]]
        for s in c.statuses:
            row += [ix[s.name], *self._num(s.turns, width_after(s.name)), *self._num(s.power, width_after("<number>"))]
        row.append(ix["cd"])
        for slot, left in c.cooldowns:
            row += [ix[slot], *self._num(left, width_after(slot))]
        return [*row, ix["\n"]]

    def _num(self, value: int, width: int) -> list[int]:
        width = max(width, len(str(value)))
        return [self.ix[f"{'uth'[k]}{value // 10**k % 10}"] for k in range(width)]


def _int(word: str) -> int | None:
    try:
        return int(word)
    except ValueError:
        return None


def _align(line: list[int], expected: list[int | None], words: set[int]) -> int | None:
    """Where in `expected` the tokens of `line` end. Values may differ from
    the copies (numbers keep their width); at a word the copy did not expect
    (a status the turn added) the alignment is lost until a later word is
    found further on. None if it is still lost."""
    at: int | None = 0
    for token in line:
        if at is not None and at < len(expected) and (expected[at] is HOLE or expected[at] == token
                                                      or token not in words and expected[at] not in words):
            at += 1
        elif token in words:
            start = at or 0
            found = [k for k in range(start, len(expected)) if expected[k] == token]
            at = found[0] + 1 if found else None
        else:
            at = None if at is None or at >= len(expected) else at
            if at is not None:
                return None
    return at
