"""Constrained decoding: even an untrained network's output parses, the
grammar always admits the engine's own answer, and the grammar fixes only the
format, never a choice the rules make (that is the network's job)."""

from __future__ import annotations

import random

import pytest
from model_fixtures import fresh_records, untrained

from game.content import default
from game.encounter import LABELS, RESULTS
from game.resolver import check_target
from game.template import parse_prompt, parse_target
from model.decode import decode_one
from model.grammar import target_grammar
from model.tokenizer import FIRST_COMBATANT, OUTCOME, WORK, Structure, Tokenizer

pytestmark = pytest.mark.usefixtures("one_thread")
CONTENT = default()
TOK = Tokenizer.for_content()


def grammar_for(prompt: str):
    return target_grammar(parse_prompt(prompt, CONTENT), TOK, CONTENT.status_order)


def allowed_along(prompt: str, target_ids: list[int]) -> list[frozenset[int]]:
    """The allowed set at each position while feeding the engine's answer;
    fails if the grammar refuses one of its tokens or ends early or late."""
    grammar = grammar_for(prompt)
    sets = [next(grammar)]
    for n, token in enumerate(target_ids):
        assert token in sets[-1], f"the grammar refuses {TOK.vocab[token]!r} at {n} of the engine's answer"
        try:
            sets.append(grammar.send(token))
        except StopIteration:
            assert n == len(target_ids) - 1, "the grammar ended before the engine's answer"
    return sets[:-1] if len(sets) > len(target_ids) else sets


def test_an_untrained_network_always_decodes_a_parsing_target():
    records = fresh_records(90, seed=101) + fresh_records(30, seed=102, monsters=3)
    outputs = set()
    for k, r in enumerate(records):
        model, tok = untrained(seed=k % 3)  # three random networks
        ids, _ = decode_one(model, tok, tok.encode(r["prompt"]), grammar_for(r["prompt"]))
        assert ids[-1] == tok.eos
        text = tok.decode(ids)
        assert check_target(text, CONTENT) is None, text
        # and it fits its prompt: the same rows and cooldown slots, hp and mp within max
        parse_target(text, CONTENT).apply(parse_prompt(r["prompt"], CONTENT).encounter)
        outputs.add(text)
    # the outputs come from the network, not a template the grammar fills in
    assert len(outputs) > 0.6 * len(records)


def test_every_path_through_the_grammar_parses_and_fits_its_prompt():
    """Random choices wherever the grammar leaves one: the worst a network can do."""
    rng = random.Random(7)
    for r in fresh_records(600, seed=107) + fresh_records(50, seed=108, monsters=3):
        grammar, ids = grammar_for(r["prompt"]), []
        try:
            allowed = next(grammar)
            while True:
                ids.append(rng.choice(sorted(allowed)))
                allowed = grammar.send(ids[-1])
        except StopIteration:
            pass
        assert ids[-1] == TOK.eos
        text = TOK.decode(ids)
        assert check_target(text, CONTENT) is None, text
        parse_target(text, CONTENT).apply(parse_prompt(r["prompt"], CONTENT).encounter)


def test_the_grammar_admits_the_engines_answer_token_for_token():
    for r in fresh_records(300, seed=103) + fresh_records(20, seed=104, monsters=3):
        target = TOK.encode(r["target"]) + [TOK.eos]
        assert len(allowed_along(r["prompt"], target)) == len(target)


def test_the_grammar_never_fixes_a_choice_the_rules_make():
    results = {TOK.id(w) for w in RESULTS}
    hp, mp, nxt, equals = TOK.id("hp"), TOK.id("mp"), TOK.id("next"), TOK.id("=")
    signs = {TOK.id("+"), TOK.id("-")}
    units = {TOK.id(f"u{d}") for d in range(10)}
    work_leads = {TOK.id(w) for w in ("ticks", "damage", "healing", "alive")}
    checked = work_checked = 0
    for r in fresh_records(200, seed=105) + fresh_records(20, seed=106, monsters=3):
        prompt = parse_prompt(r["prompt"], CONTENT)
        target = TOK.encode(r["target"]) + [TOK.eos]
        sets = allowed_along(r["prompt"], target)
        places = Structure(TOK).of([TOK.sep, *target])[1:]
        for n, (token, allowed) in enumerate(zip(target, sets, strict=True)):
            segment, role, field, _ = places[n]
            label = LABELS[role - FIRST_COMBATANT] if FIRST_COMBATANT <= role < FIRST_COMBATANT + len(LABELS) else None
            combatant = next((c for c in prompt.encounter.combatants if c.label == label), None)
            if segment == WORK:  # which steps, which terms, every sign and number of the work
                if n == 0:
                    assert allowed >= work_leads - {TOK.id("alive")} or TOK.id("alive") in allowed
                    assert len(allowed) > 1
                elif token in signs:  # which way a term counts, a total, an hp change
                    assert allowed == signs
                elif token in units and field == equals and combatant and combatant.max_hp >= 2:
                    assert len(allowed) >= 2  # an hp line's result
                    work_checked += 1
                continue
            if token in results and role == OUTCOME:  # what happened: hit, miss, crit, heal...
                assert allowed == results
            elif token in units and field in results and role == OUTCOME:  # the amount
                assert len(allowed) == 10
            elif n and target[n - 1] == TOK.id("tick"):  # the sign of the tick
                assert len(allowed) == 2
            elif n and target[n - 1] == nxt:  # whose turn is next, or the end
                assert len(allowed) == len(prompt.encounter.combatants) + 1
            elif n and target[n - 1] == TOK.id("st"):  # which statuses, if any
                assert len(allowed) == len(CONTENT.status_order) + 1
            elif token in units and field == hp and combatant and combatant.max_hp >= 2:
                assert len(allowed) >= 2, (combatant, TOK.vocab[token])
                checked += 1
            elif token in units and field == mp and combatant and combatant.max_mp >= 1:
                assert len(allowed) >= 2
    assert checked > 200 and work_checked > 50
