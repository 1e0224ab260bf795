"""Constrained decoding: even an untrained network's output parses, the
grammar always admits the engine's own answer, and the grammar fixes only the
format, never a choice the rules make (that is the network's job)."""

from __future__ import annotations

import random

import pytest
from model_fixtures import as_read, fresh_records, numpy_net, untrained

from game.combat.content import default
from game.combat.encounter import LABELS, RESULTS
from game.combat.resolver import check_target
from game.combat.template import parse_prompt, parse_target
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
    nets = [numpy_net(untrained(seed=k)[0]) for k in range(3)]  # three random networks
    outputs = set()
    for k, r in enumerate(records):
        ids = decode_one(nets[k % 3], TOK, TOK.encode(r["prompt"]), grammar_for(r["prompt"])).ids
        assert ids[-1] == TOK.eos
        text = TOK.decode(ids)
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


class Oracle:
    """Drafts the engine's own answer from where the output is (what a
    perfect drafter would); `wrong_every` spoils every n-th drafted token."""

    def __init__(self, target: list[int], wrong_every: int = 0):
        self.target, self.wrong_every, self.pushed = target, wrong_every, []

    def push(self, token: int) -> None:
        self.pushed.append(token)

    def guess(self) -> list[int]:
        draft = list(self.target[len(self.pushed):])
        if self.wrong_every:
            for i in range(self.wrong_every - 1, len(draft), self.wrong_every):
                draft[i] = (draft[i] + 1) % len(TOK)
        return draft


class Garbage:
    """Drafts random ids, some of them not tokens at all."""

    def __init__(self, seed: int):
        self.rng, self.pushed = random.Random(seed), []

    def push(self, token: int) -> None:
        self.pushed.append(token)

    def guess(self) -> list[int]:
        draft = [self.rng.randrange(len(TOK)) for _ in range(self.rng.randrange(0, 12))]
        if self.rng.random() < 0.2:
            draft.insert(self.rng.randrange(len(draft) + 1), self.rng.choice((-1, len(TOK), 10**9, "hp", None)))
        return draft


def bundled_net():
    from model.resolver import load_resolver
    from model.weights import BUNDLED

    if not BUNDLED.exists():
        pytest.skip("no bundled weights")
    return load_resolver(BUNDLED).net


def bundled_tok():
    from model.weights import BUNDLED, read

    return read(BUNDLED).tok


@pytest.mark.parametrize("which", ["bundled", "random"])
def test_drafts_change_the_calls_never_the_output(which):
    net = bundled_net() if which == "bundled" else numpy_net(untrained(seed=1)[0])
    records = fresh_records(8, seed=109) + fresh_records(2, seed=110, monsters=3)
    plain_calls = oracle_calls = 0
    tok = bundled_tok() if which == "bundled" else TOK
    for k, r in enumerate(records):
        text, bound, content = as_read(tok, r["prompt"], r["target"])  # as the model reads them (v4: slots)

        def grammar(text=text, content=content):
            return target_grammar(parse_prompt(text, content), tok, content.status_order)

        prompt = tok.encode(text)
        target = tok.encode(bound) + [tok.eos]
        plain = decode_one(net, tok, prompt, grammar())
        for drafter in (Oracle(target), Oracle(target, wrong_every=4), Garbage(k)):
            drafted = decode_one(net, tok, prompt, grammar(), drafter)
            assert drafted.ids == plain.ids, (k, type(drafter).__name__)
            assert drafter.pushed == plain.ids  # told every token emitted, fixed or chosen
            assert drafted.drafted <= len(plain.ids)
        oracle = decode_one(net, tok, prompt, grammar(), Oracle(target))
        plain_calls += plain.calls
        oracle_calls += oracle.calls
        if plain.ids == target:  # the network agrees with the engine: the whole answer is one pass
            # v2's first word is a choice (ticks, damage, healing or alive): even it is drafted
            assert oracle.calls == 1 and oracle.drafted == len(target)
    if which == "bundled":  # it agrees with the engine almost always
        assert oracle_calls < plain_calls / 10
    assert oracle_calls < plain_calls


def test_a_draft_stops_at_the_models_context():
    from model.grammar import longest

    model, tok = untrained(seed=2, max_len=270)
    net = numpy_net(model)
    tried = 0
    for r in fresh_records(60, seed=111):
        prompt = tok.encode(r["prompt"])
        room = len(prompt) + 1 + longest(parse_prompt(r["prompt"], CONTENT), CONTENT.status_order)
        if not 260 <= room <= 270:  # an answer that fits, and a draft that would not
            continue
        target = tok.encode(r["target"]) + [tok.eos]
        plain = decode_one(net, tok, prompt, grammar_for(r["prompt"]))
        long_draft = Oracle(target + [tok.eos] * 400)
        assert decode_one(net, tok, prompt, grammar_for(r["prompt"]), long_draft).ids == plain.ids
        tried += 1
    assert tried >= 3


def test_a_resolver_with_a_drafter_answers_the_same_in_fewer_calls():
    from game.combat.rules import resolve
    from game.combat.template import Target, serialize_target
    from model.resolver import load_resolver

    resolver = load_resolver()
    prompts = [r["prompt"] for r in fresh_records(12, seed=112)]
    plain = [(resolver.resolve(p).text, resolver.last.calls) for p in prompts]
    def answer(reading):  # the engine's answer to the prompt as the network reads it, as a drafter
        p, content = reading.parsed, reading.binding.content if reading.binding else None
        outcome, after = resolve(p.encounter, p.action, p.rolls, content)
        return Oracle(resolver.tok.encode(serialize_target(Target.of(outcome, after))) + [resolver.tok.eos])

    resolver.drafts = answer
    drafted = [(resolver.resolve(p).text, resolver.last.calls) for p in prompts]
    assert [t for t, _ in drafted] == [t for t, _ in plain]
    assert sum(c for _, c in drafted) < sum(c for _, c in plain) / 4
