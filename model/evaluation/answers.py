"""Many prompts answered at once, in batches of one token length (decode.
decode_all): as the game asks, through the input guard (`guarded`), or read
as they are, guard off (`raw`: the failure-mode lab's view)."""

from __future__ import annotations

from game.combat.content import Content
from game.combat.template import Prompt, TemplateError, parse_prompt
from model.decode import Grammar, decode_all
from model.grammar import target_grammar
from model.resolver import ModelResolver
from model.slots import VERSION as SLOTTED
from model.slots import Binding

FREE_LIMIT = 200  # tokens of ungrammatical decoding; a block is at most ~150


def guarded(resolver: ModelResolver, prompts: list[str]) -> list[str | None]:
    """The model's answers, None where the guard refuses the prompt."""
    out: list[str | None] = [None] * len(prompts)
    work, where = [], []
    for i, p in enumerate(prompts):
        try:
            reading = resolver.check(p)
        except TemplateError:
            continue
        work.append((reading.ids, resolver.grammar(reading)))
        where.append((i, reading))
    for (i, reading), ids in zip(where, decode_all(resolver.net, resolver.tok, work), strict=True):
        try:
            out[i] = resolver.answer(reading, ids)
        except TemplateError:  # a v4 answer cut off before its end: what the network wrote, slots and all
            out[i] = resolver.tok.decode(ids)
    return out


def _free_grammar(tok, limit: int) -> Grammar:
    """No grammar: any token but padding, <unk> and <sep>, up to `limit` tokens."""
    every = frozenset(range(len(tok))) - {tok.pad, tok.unk, tok.sep}
    for _ in range(limit):
        yield every


def _shape(text: str, nearest: str | None, content: Content) -> Prompt | None:
    for candidate in (text, nearest):
        if candidate is not None:
            try:
                return parse_prompt(candidate, content)
            except TemplateError:
                continue
    return None


def raw(resolver: ModelResolver, prompts: list[tuple[str, str | None]], free: bool = False) -> list[str | None]:
    """The model's answer to every (prompt, nearest) read as is, guard off:
    grammar-constrained from the prompt's parse or the nearest valid prompt's,
    else (or with `free`) plain greedy decoding. None only where the prompt
    alone fills the model's context."""
    tok, content, max_len = resolver.tok, resolver.content, resolver.config.max_len
    out: list[str | None] = [None] * len(prompts)
    work, where = [], []
    for i, (text, nearest) in enumerate(prompts):
        shape = None if free else _shape(text, nearest, content)
        binding = None
        if shape is not None and resolver.template == SLOTTED:  # a v4 model reads names as slots, rules written in
            try:
                binding = Binding.of(shape.encounter, shape.action, content)
            except (TemplateError, KeyError):  # too many names, or a name the content lacks: read as it is
                shape = None
            else:
                text = binding.prompt(shape.encounter, shape.action, shape.rolls)
                shape = parse_prompt(text, binding.content)
        ids = tok.encode(text)
        if len(ids) + 2 > max_len:
            continue
        order = binding.content.status_order if binding else content.status_order
        grammar = (target_grammar(shape, tok, order) if shape is not None
                   else _free_grammar(tok, min(FREE_LIMIT, max_len - len(ids) - 2)))
        work.append((ids, grammar))
        where.append((i, binding))
    for (i, binding), ids in zip(where, decode_all(resolver.net, tok, work), strict=True):
        out[i] = tok.decode(ids)
        if binding is not None:
            try:
                out[i] = binding.answer(out[i])
            except TemplateError:
                pass  # left in slots: it reads as no target of this prompt
    return out
