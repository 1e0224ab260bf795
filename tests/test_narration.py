"""The message log tells the state the game went on from, in the content's words."""

from __future__ import annotations

from dataclasses import replace

from game.combat.encounter import HERO, Action, Rolls, Status
from game.combat.narration import differences, divergence_words, narrate, verdict
from game.combat.rules import resolve
from game.combat.template import Target, serialize_prompt, serialize_target
from game.world import roster


def regenerating_troll():
    """A troll at 14 hp, regenerating 2 a turn, about to strike the hero."""
    enc = roster.encounter(roster.hero_at(3), ["troll"])
    troll = enc.get("m1").with_(hp=14, statuses=(Status("regen", 2, 2),))
    return replace(enc.replacing(troll), actor="m1")


def test_the_issue_s_troll_the_model_wrote_6_hp_the_log_says_so():
    before = regenerating_troll()
    action = Action("strike", HERO)
    outcome, rules_after = resolve(before, action, Rolls(2, 1))  # a miss: only the tick moves hp
    assert rules_after.get("m1").hp == 16
    rules = Target.of(outcome, rules_after)
    model = replace(rules, rows=tuple(replace(r, hp=6) if r.label == "m1" else r for r in rules.rows))
    model_after = model.apply(before)

    said_by_rules = narrate(before, action, outcome, rules_after)
    said_by_model = narrate(before, action, model.outcome, model_after)
    assert said_by_rules[0] == "The troll regains 2 hp from regeneration."
    assert said_by_model[0] == "The troll takes 8 damage."  # the state applied, not the outcome line's +2

    words = differences(before, rules, model)
    assert words == ["the model gave the troll 6 hp, the rules 16"]
    assert verdict(words, True, None) == "The model gave the troll 6 hp, the rules 16 — the model's state was applied."
    assert verdict(words, False, None).endswith("— the rules' state was applied.")
    prompt = serialize_prompt(before, action, Rolls(2, 1))
    assert divergence_words(prompt, serialize_target(rules), serialize_target(model), True) == words


def test_damage_from_the_burn_not_from_being_burning():
    enc = roster.encounter(roster.hero_at(1), ["goblin"])
    enc = enc.replacing(enc.hero.with_(statuses=(Status("poison", 2, 2), Status("burn", 1, 3))))
    outcome, after = resolve(enc, Action("strike", "m1"), Rolls(10, 1))
    line = narrate(enc, Action("strike", "m1"), outcome, after)[0]
    assert line == "You take 5 damage from the poison and the burn."


def test_a_potion_reads_with_its_name():
    enc = roster.encounter(roster.hero_at(1), ["rat"])
    enc = enc.replacing(enc.hero.with_(hp=5))
    outcome, after = resolve(enc, Action("quaff_heal", HERO), Rolls(10, 2))
    assert narrate(enc, Action("quaff_heal", HERO), outcome, after) == [
        f"You drink a healing potion and heal {after.hero.hp - 5} hp."]


def test_every_field_of_a_divergence_has_words():
    before = regenerating_troll()
    outcome, after = resolve(before, Action("strike", HERO), Rolls(12, 3))
    rules = Target.of(outcome, after)
    hero = next(r for r in rules.rows if r.label == HERO)
    model = replace(rules, outcome=replace(outcome, result="crit", amount=outcome.amount + 4), turn=rules.turn + 1,
                    next="m1", rows=tuple(replace(r, mp=0, statuses=(Status("burn", 2, 3),),
                                                  cooldowns=tuple((a, 3) for a, _ in r.cooldowns))
                                          if r.label == HERO else r for r in rules.rows))
    words = " | ".join(differences(before, rules, model))
    assert "the model called it a critical hit, the rules a hit" in words
    assert f"the model counted {outcome.amount + 4} damage, the rules {outcome.amount}" in words
    assert f"the model wrote turn {rules.turn + 1}, the rules {rules.turn}" in words
    assert "the model gave the next turn to the troll, the rules to you" in words
    assert f"the model gave you 0 mp, the rules {hero.mp}" in words
    assert "the model left you burning (2, 3/turn), the rules no statuses" in words
    assert "the model set your cooldowns to poison strike 3" in words


def test_a_critical_hit_says_whether_there_was_a_defence_to_pass():
    troll = regenerating_troll()  # the troll strikes the hero, who has defence
    outcome, after = resolve(troll, Action("strike", HERO), Rolls(20, 3))
    assert outcome.result == "crit" and troll.hero.defence > 0
    assert narrate(troll, Action("strike", HERO), outcome, after)[-1].endswith(", a critical hit through your defence.")
    bare = roster.encounter(roster.hero_at(1), ["rat"])
    bare = bare.replacing(bare.get("m1").with_(hp=30, defence=0))
    outcome, after = resolve(bare, Action("strike", "m1"), Rolls(20, 3))
    assert outcome.result == "crit"
    assert narrate(bare, Action("strike", "m1"), outcome, after)[-1].endswith(", a critical hit (no defence to pass).")

