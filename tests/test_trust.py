"""Trusting the model is a bet in score, never in power: each trusted turn
wins or loses by whether the model was right and how sure it was."""

from __future__ import annotations

from dataclasses import replace

import pytest

from game.combat.encounter import Action
from game.combat.resolver import EngineResolver, Resolution
from game.world import autoplay, finish, roster
from game.world.battle import CLOSE, MODEL, TRUST_CLOSE, TRUST_RIGHT, TRUST_WRONG, Battle
from model.weights import BUNDLED


class Scripted:
    """A 'model' that answers as the rules do, with a margin from `sures`
    (one per call, in turn), and writes a wrong turn counter on the calls in `wrong`."""

    name = "scripted"

    def __init__(self, sures: list[float], wrong: set[int]):
        self.engine, self.sures, self.wrong, self.calls = EngineResolver(), sures, wrong, 0

    def resolve(self, prompt: str) -> Resolution:
        r = self.engine.resolve(prompt)
        sure = self.sures[self.calls % len(self.sures)]
        self.calls += 1
        if self.calls not in self.wrong:
            return replace(r, sure=sure)
        lines = r.text.split("\n")
        at = next(i for i, line in enumerate(lines) if line.startswith("turn "))
        words = lines[at].split(" ")
        words[1] = str(int(words[1]) + 1)
        lines[at] = " ".join(words)
        return Resolution("\n".join(lines), True, None, sure)


def fight(model, trust: bool) -> Battle:
    b = Battle(roster.encounter(roster.hero_at(1), ["rat", "bat", "snake"]), model=model, seed=11)
    while not b.over:
        b.play(Action("strike", b.living_monsters()[0].label) if b.hero_to_act else None, trust)
    return b


def test_each_trusted_turn_wins_or_loses_by_the_models_answer_and_margin():
    b = fight(Scripted([0.99, 0.6], wrong={3}), trust=True)
    assert len(b.turns) >= 4
    for n, t in enumerate(b.turns, 1):
        assert t.applied == MODEL and t.trusted
        if n == 3:
            assert t.diverged and t.stake == -TRUST_WRONG
        elif n % 2 == 0:  # 0.6 sure, and right: a close call
            assert t.close and t.sure < CLOSE and t.stake == TRUST_RIGHT + TRUST_CLOSE
        else:
            assert not t.close and t.stake == TRUST_RIGHT
    assert b.stakes() == sum(t.stake for t in b.turns)


def test_untrusted_turns_bet_nothing_though_the_margin_is_still_shown():
    b = fight(Scripted([0.6], wrong=set()), trust=False)
    assert all(t.stake == 0 and t.close for t in b.turns) and b.stakes() == 0


def test_trusting_a_model_that_is_always_right_changes_the_score_not_the_run():
    seed = autoplay.seeds(5, 1)[0]
    ruled, run_ruled = autoplay.play_run(seed, "careful", EngineResolver(), trust=False)
    trusted, run_trusted = autoplay.play_run(seed, "careful", EngineResolver(), trust=True)
    # the same run: xp, levels, kills, the end (no xp bonus for trusting any more)
    assert (trusted.won, trusted.depth, trusted.level, trusted.kills, trusted.cause) == \
        (ruled.won, ruled.depth, ruled.level, ruled.kills, ruled.cause)
    assert run_trusted.xp == run_ruled.xp and run_ruled.stakes == 0
    assert run_trusted.stakes == trusted.driven * TRUST_RIGHT > 0
    assert finish.score(run_trusted) == finish.score(run_ruled) + run_trusted.stakes
    assert all(f["stakes"] >= 0 for f in run_trusted.fights) and sum(f["stakes"] for f in run_trusted.fights) \
        == run_trusted.stakes


@pytest.mark.skipif(not BUNDLED.exists(), reason="no bundled weights")
def test_the_bundled_model_says_how_sure_it_was(one_thread):
    from game.combat.template import serialize_prompt
    from model.resolver import load_resolver

    resolver = load_resolver(BUNDLED, threads=1)
    b = Battle(roster.encounter(roster.hero_at(2), ["rat"]), seed=4)
    p = b.prepare(Action("strike", "m1"))
    said = resolver.resolve(serialize_prompt(p.before, p.action, p.rolls))
    assert said.valid and 0.5 < said.sure <= 1.0
    assert EngineResolver().resolve(p.prompt).sure is None  # the rules are never unsure


def test_a_close_call_is_told_in_the_battle_log():
    b = fight(Scripted([0.6, 0.99], wrong=set()), trust=False)
    first, second = b.turns[0], b.turns[1]
    assert first.close and "Close call: the model was right, but only 60 % sure." in first.lines
    assert not second.close and not any("Close call" in line for line in second.lines)
