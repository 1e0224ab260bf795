"""The drafter: its copies are mostly right on the engine's own answers, and
it never breaks on any target a network might write."""

from __future__ import annotations

import random
import statistics

from model_fixtures import fresh_records

from game.combat.content import default
from game.combat.template import parse_prompt
from model.draft import Drafter
from model.grammar import target_grammar
from model.tokenizer import Tokenizer

CONTENT = default()
TOK = Tokenizer.for_content()


def _drafted(prompt: str, target: list[int]) -> tuple[int, int]:
    """(tokens the drafter guessed right, tokens it was asked to guess) along a
    target: at each token the grammar leaves open, is it the draft's first?"""
    p = parse_prompt(prompt, CONTENT)
    grammar, drafter = target_grammar(p, TOK, CONTENT.status_order), Drafter(p, TOK, CONTENT)
    allowed, right, asked = next(grammar), 0, 0
    for token in target:
        if len(allowed) > 1:
            asked += 1
            right += drafter.guess()[:1] == [token]
        drafter.push(token)
        try:
            allowed = grammar.send(token)
        except StopIteration:
            break
    return right, asked


def test_most_open_tokens_of_the_engines_answers_are_drafted():
    """Copies, not computations: what the drafter gets right is what the
    turn did not change. On the engine's answers that is most of them."""
    shares = []
    for r in fresh_records(300, seed=61):
        right, asked = _drafted(r["prompt"], TOK.encode(r["target"]) + [TOK.eos])
        shares.append(right / asked)
    assert statistics.mean(shares) > 0.7  # measured 0.78


def test_any_path_through_the_grammar_gets_a_draft_or_none():
    rng = random.Random(5)
    for r in fresh_records(200, seed=62):
        p = parse_prompt(r["prompt"], CONTENT)
        grammar, drafter = target_grammar(p, TOK, CONTENT.status_order), Drafter(p, TOK, CONTENT)
        allowed = next(grammar)
        while True:
            guess = drafter.guess()
            assert all(0 <= t < len(TOK) for t in guess)
            token = rng.choice(sorted(allowed))
            drafter.push(token)
            if token == TOK.eos:
                break
            allowed = grammar.send(token)
