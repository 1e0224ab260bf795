"""Template v4: the turn's rules in the prompt, names as slots, drawn rules.

What a v4 model must be able to read: any content's rules (a balance patch,
a new status, a new ability) with no vocabulary of its own. These tests hold
the texts and the binding to that; whether a trained network follows is
`pico-rogue eval`'s to measure (docs/model.md)."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from model_fixtures import tiny_recipe

from game.combat.content import default, load
from game.combat.template import TemplateError, parse_prompt, parse_target, serialize_prompt, serialize_target
from game.world.generate import transitions_of
from model.guard import Guard
from model.slots import Binding, TooManyNames, words
from model.tokenizer import Tokenizer
from model.training.drawn import RULE_RANGES, bound, draw, drawn_transitions

ROOT = Path(__file__).resolve().parents[1]
FROST = ROOT / "assets" / "packs" / "frost"
V3 = (
    "v3 turn 12 m1 ignite hero roll 14 3\n"
    "hero knight hp 37/40 mp 8/12 atk 6 def 3 st poison 3 2 cd poison_strike 0 ignite 2 heal 0 guard 0\n"
    "m1 goblin hp 12/15 mp 4/6 atk 4 def 1 st burn 2 3 cd ignite 0"
)
V4 = (
    "v4 turn 12 m1 ignite hero roll 14 3\n"
    "statuses poison -1 burn -1\n"
    "rule ignite foe base +2 withatk 0 pierce 1 mend +0 cost 3 cool 2 puts burn 2 3\n"
    "hero knight hp 37/40 mp 8/12 atk 6 def 3 st poison 3 2 cd poison_strike 0 ignite 2 heal 0 guard 0\n"
    "m1 goblin hp 12/15 mp 4/6 atk 4 def 1 st burn 2 3 cd ignite 0"
)


def test_a_v4_prompt_is_the_v3_prompt_with_the_turns_rules_written_in():
    p = parse_prompt(V3)
    assert serialize_prompt(p.encounter, p.action, p.rolls, "v4") == V4
    q = parse_prompt(V4)
    assert (q.encounter, q.action, q.rolls, q.version) == (p.encounter, p.action, p.rolls, "v4")


def test_rules_that_are_not_the_content_in_play_are_refused_naming_the_line():
    patched = V4.replace("base +2", "base +4")
    with pytest.raises(TemplateError, match=r"line 3 \(rule\): .*not the content in play"):
        parse_prompt(patched)
    with pytest.raises(TemplateError, match=r"line 2 \(statuses\)"):
        parse_prompt(V4.replace("burn -1", "burn +1"))


def test_the_engine_answers_a_v4_prompt_as_it_answers_the_v3_one():
    from game.combat.resolver import EngineResolver

    engine = EngineResolver()
    assert engine.resolve(V4).text == engine.resolve(V3).text


def test_a_balance_patch_changes_the_rule_line_not_the_names():
    content = default()
    patched = replace(content, abilities={**content.abilities,
                                          "ignite": replace(content.abilities["ignite"], damage=4)})
    p = parse_prompt(V3)
    text = serialize_prompt(p.encounter, p.action, p.rolls, "v4", patched)
    assert "rule ignite foe base +4 " in text
    b = Binding.of(p.encounter, p.action, patched)
    assert b.prompt(p.encounter, p.action, p.rolls).split("\n")[2].startswith("rule a1 foe base +4 ")


def test_names_become_slots_in_order_of_first_appearance_and_come_back():
    p = parse_prompt(V3)
    b = Binding.of(p.encounter, p.action, default())
    assert b.prompt(p.encounter, p.action, p.rolls) == (
        "v4 turn 12 m1 a1 hero roll 14 3\n"
        "statuses s1 -1 s2 -1\n"
        "rule a1 foe base +2 withatk 0 pierce 1 mend +0 cost 3 cool 2 puts s2 2 3\n"
        "hero knight hp 37/40 mp 8/12 atk 6 def 3 st s1 3 2 cd a2 0 a1 2 a3 0 a4 0\n"
        "m1 k1 hp 12/15 mp 4/6 atk 4 def 1 st s2 2 3 cd a1 0"
    )
    from game.combat.resolver import EngineResolver

    target = EngineResolver().resolve(V3).text
    slotted = b.target(parse_target(target))
    assert "poison" not in slotted and "ignite" not in slotted and "s1" in slotted
    assert b.answer(slotted) == target


def test_the_names_a_v4_model_reads_are_the_same_for_any_content():
    tok = Tokenizer(words())
    frost = load(packs=[FROST])
    for content in (default(), frost, draw(random.Random(3))):
        for t in itertools.islice(transitions_of(200, 5, content), 200):
            prompt, target = bound(t, content)
            ids = tok.encode(prompt) + tok.encode(target)
            assert tok.unk not in ids, (prompt, target)


def test_a_slotted_target_round_trips_for_drawn_rules():
    for t, content in itertools.islice(drawn_transitions(11), 300):
        b = Binding.of(t.before, t.action, content)
        assert b.answer(b.target(t.target)) == serialize_target(t.target)


def test_drawn_rules_vary_every_number_the_rule_line_holds():
    rng = random.Random(1)
    seen: dict[str, set[int]] = {name: set() for name in RULE_RANGES}
    for _ in range(40):
        c = draw(rng)
        for ab in c.abilities.values():
            seen["base_damage"].add(ab.damage)
            seen["base_heal"].add(ab.heal)
            seen["cost"].add(ab.cost)
            seen["cooldown"].add(ab.cooldown)
            if ab.applies:
                seen["status_turns"].add(ab.applies.turns)
                seen["status_power"].add(ab.applies.power)
    for name, values in seen.items():
        lo, hi = RULE_RANGES[name]
        assert all(lo <= v <= hi for v in values)
        assert len(values) >= (hi - lo + 1) // 2, (name, sorted(values))  # not one table with noise


def test_more_names_than_slots_is_a_refusal_not_an_internal_error():
    content = default()
    p = parse_prompt(V3)
    few = replace(content)  # the binding's limit, met by shrinking the slots rather than growing a prompt
    import model.slots as slots

    saved = slots.STATUS_SLOTS
    try:
        slots.STATUS_SLOTS = ("s1",)
        with pytest.raises(TooManyNames, match="more than 1 statuses"):
            Binding.of(p.encounter, p.action, few)
    finally:
        slots.STATUS_SLOTS = saved


def _v4_guard(ranges=None, content=None) -> Guard:
    return Guard(Tokenizer(words()), content or default(), ranges, max_len=512, template="v4")


def test_the_v4_guard_reads_a_new_status_and_a_patched_ability_it_has_no_words_for():
    frost = load(packs=[FROST])
    guard = _v4_guard(content=frost)
    for r in transitions_of(100, 3, frost):
        reading = guard.read(serialize_prompt(r.before, r.action, r.rolls, content=frost))
        assert guard.tok.unk not in reading.ids
        assert reading.parsed.version == "v4"


def test_the_v4_guard_refuses_a_rule_number_outside_what_the_model_was_trained_on():
    content = default()
    patched = replace(content, abilities={**content.abilities,
                                          "ignite": replace(content.abilities["ignite"], damage=7)})
    ranges = {name: list(pair) for name, pair in RULE_RANGES.items()} | {"base_damage": [-5, 6]}
    why = _v4_guard(ranges, patched).reason(V3)
    assert why == "the rule of ignite: base damage 7 is outside the -5..6 the model was trained on"


@pytest.mark.usefixtures("few_range_samples", "one_thread")
def test_a_v4_model_answers_a_pack_it_never_saw_in_names_without_an_internal_error(tmp_path):
    """A tiny v4 network (a few steps: its answers are mostly wrong) answers
    frost's new status through the slots, in frost's names, every time."""
    from model import weights
    from model.draft import Drafter
    from model.resolver import ModelResolver, network
    from model.training.train import train

    out = tmp_path / "v4.safetensors"
    train(tiny_recipe(template="v4", steps=4), out, quiet=True)
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["template"] == "v4" and "content" not in meta
    assert meta["ranges"]["base_damage"][0] < -1 and meta["ranges"]["cost"][1] > 5  # the drawn rules' ranges
    frost = load(packs=[FROST])
    w = weights.read(out)
    resolver = ModelResolver(w, network(w), frost, drafts=lambda r: Drafter(r.parsed, w.tok, r.binding.content))
    chill = [t for t in transitions_of(400, 8, frost) if any(s.name == "chill" for c in t.before.combatants
                                                             for s in c.statuses)][:5]
    assert chill
    for t in chill:
        answer = resolver.resolve(serialize_prompt(t.before, t.action, t.rolls, content=frost))
        assert answer.text is not None, answer.problem
        assert " s1 " not in answer.text and " a1 " not in answer.text  # names are back


@pytest.mark.usefixtures("few_range_samples", "one_thread")
def test_fine_tuning_a_v4_model_on_saved_battles_keeps_it_v4(tmp_path):
    """The flywheel (train --preset finetune --data saves/ --init the bundled
    model): the game's saved texts are read as the network reads them."""
    from game.world.generate import transitions
    from model.training.train import train

    first = tmp_path / "v4.safetensors"
    train(tiny_recipe(template="v4", steps=2), first, quiet=True)
    data = tmp_path / "saved.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in transitions(30, 3)))
    again = tmp_path / "again.safetensors"
    metrics = train(tiny_recipe(steps=2, saved_share=0.5), again, data=[data], init=first, quiet=True)
    meta = json.loads(again.with_suffix(".json").read_text())
    assert meta["template"] == "v4" and meta["recipe"]["template"] == "v4" and metrics["steps"] == 2
