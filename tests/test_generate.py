"""`generate`: reproducible, and covering the whole space the game reaches."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from game.combat.content import default
from game.combat.resolver import EngineResolver
from game.combat.template import parse_prompt, parse_target, serialize_target
from game.world.generate import RECORD_VERSION, step, transitions

N = 3000


def _bytes(n: int, seed: int) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in transitions(n, seed)).encode()


def test_same_seed_same_bytes():
    assert _bytes(200, 11) == _bytes(200, 11)


def test_different_seeds_differ():
    a, b = _bytes(50, 1).splitlines(), _bytes(50, 2).splitlines()
    assert len(set(a) & set(b)) < 5


def test_a_prefix_of_a_longer_run():
    assert _bytes(500, 3).startswith(_bytes(100, 3))


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return list(transitions(N, 2024))


@pytest.fixture(scope="module")
def parsed(records):
    return [(parse_prompt(r["prompt"]), parse_target(r["target"])) for r in records]


def test_records_have_the_documented_fields(records):
    for r in records[:200]:
        assert set(r) == {"version", "source", "prompt", "target"}
        assert r["version"] == RECORD_VERSION
    assert Counter(r["source"] for r in records).keys() == {"battle", "broad"}
    share = sum(r["source"] == "battle" for r in records) / len(records)
    assert 0.4 < share < 0.6


def test_every_target_is_the_engine_s(records):
    engine = EngineResolver()
    for r in records[::10]:
        assert engine.resolve(r["prompt"]).text == r["target"]


def test_coverage(parsed):
    c = default()
    actions, statuses, results, counts = Counter(), Counter(), Counter(), Counter()
    deaths = expired = zero_cd = hp_one = high_turn = stunned = full_hp = 0
    for p, t in parsed:
        e = p.encounter
        actions[p.action.ability] += 1
        results[t.outcome.result] += 1
        counts[len(e.monsters)] += 1
        for comb in e.combatants:
            statuses.update(s.name for s in comb.statuses)
            zero_cd += any(n == 0 for _, n in comb.cooldowns)
            hp_one += comb.hp == 1
            full_hp += comb.hp == comb.max_hp
        high_turn += e.turn > 500
        actor = e.get(e.actor)
        stunned += actor.status("stun") is not None
        after = t.apply(e)
        for b, a in zip(e.combatants, after.combatants, strict=True):
            deaths += b.alive and not a.alive
        expired += any(s.turns == 1 and after.get(actor.label).status(s.name) is None for s in actor.statuses)
    assert set(actions) == set(c.abilities), set(c.abilities) - set(actions)
    assert set(statuses) == set(c.statuses), set(c.statuses) - set(statuses)
    assert set(results) == {"hit", "crit", "miss", "heal", "buff", "stunned", "down"}, results
    assert set(counts) == {1, 2, 3}
    assert min(deaths, expired, zero_cd, hp_one, high_turn, stunned, full_hp) >= 10, (
        deaths, expired, zero_cd, hp_one, high_turn, stunned, full_hp)
    assert sum(t.next == "end" for _, t in parsed) >= 10


def test_battles_are_whole_fights(records, parsed):
    """Battle records chain: each state is the one the last target described."""
    chained = 0
    previous = None
    for r, (p, t) in zip(records, parsed, strict=True):
        if r["source"] != "battle":
            continue
        if previous is not None and previous[1].next != "end":
            before, target = previous
            if target.apply(before.encounter) == p.encounter:
                chained += 1
        previous = (p, t)
    battles = sum(r["source"] == "battle" for r in records)
    assert chained > 0.8 * battles


def test_wide_records_overload_within_the_template():
    """Robust training's wide share: more statuses at once, stun with a power,
    durations and cooldowns past play's, all parsed and answered by the engine."""
    content = default()
    wide = [r for r in transitions(400, 5, wide_share=1.0)]
    assert {r["source"] for r in wide} == {"wide"}
    prompts = [parse_prompt(r["prompt"], content) for r in wide]
    most = max(len(c.statuses) for p in prompts for c in p.encounter.combatants)
    assert most >= 4
    assert any(s.name == "stun" and s.power > 0 for p in prompts for c in p.encounter.combatants for s in c.statuses)
    for r, p in zip(wide, prompts, strict=True):
        assert serialize_target(step(p.encounter, p.action, p.rolls, content)[0].target) == r["target"]


def test_no_wide_share_leaves_the_stream_as_it_was():
    plain = list(transitions(200, 9))
    assert plain == list(transitions(200, 9, wide_share=0.0))
    assert "wide" not in {r["source"] for r in plain}
    mixed = [r["source"] for r in transitions(1000, 9, wide_share=0.2)]
    assert 0.12 < mixed.count("wide") / len(mixed) < 0.28
