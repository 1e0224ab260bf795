"""The combat template: canonical round trips and clear parse errors."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from conftest import examples, outcomes, prompts, turns
from hypothesis import given, settings
from hypothesis import strategies as st

from game.combat import template as template_module
from game.combat.encounter import LABELS, Encounter
from game.combat.resolver import EngineResolver
from game.combat.rules import resolve
from game.combat.template import (
    VERSION,
    Row,
    Target,
    TemplateError,
    block,
    parse_prompt,
    parse_target,
    serialize_prompt,
    serialize_target,
)

PROMPT = (
    "v3 turn 12 hero poison_strike m1 roll 14 3\n"
    "hero knight hp 37/40 mp 8/12 atk 6 def 3 st poison 3 2 cd poison_strike 0 ignite 2 heal 0 guard 0\n"
    "m1 goblin hp 12/15 mp 4/6 atk 4 def 1 st burn 2 3 cd ignite 0"
)
WORK = (
    "ticks poison -2\n"
    "hero hp 37/40 -2 = 35\n"
    "damage base -1 atk +6 = +5 roll +3 = +8 def -1 = +7\n"
    "m1 hp 12/15 -7 = 5\n"
    "alive hero m1\n"
)
BLOCK = (
    "tick -2 hit 7\n"
    "turn 13 next m1\n"
    "hero hp 35 mp 6 st poison 2 2 cd poison_strike 3 ignite 1 heal 0 guard 0\n"
    "m1 hp 5 mp 4 st poison 3 2 burn 2 3 cd ignite 0"
)
TARGET = WORK + BLOCK


# --- round trips -------------------------------------------------------------


@settings(max_examples=examples(300), deadline=None)
@given(prompts())
def test_prompt_round_trip(p):
    encounter, action, rolls = p
    text = serialize_prompt(encounter, action, rolls)
    parsed = parse_prompt(text)
    assert (parsed.encounter, parsed.action, parsed.rolls) == (encounter, action, rolls)
    assert serialize_prompt(parsed.encounter, parsed.action, parsed.rolls) == text


@settings(max_examples=examples(200), deadline=None)
@given(prompts(), outcomes(), st.data())
def test_target_round_trip(p, outcome, data):
    encounter = p[0]
    rows = tuple(
        Row(c.label, data.draw(st.integers(0, c.max_hp)), data.draw(st.integers(0, c.max_mp)), c.statuses,
            c.cooldowns)
        for c in encounter.combatants
    )
    nxt = data.draw(st.sampled_from([*(c.label for c in encounter.combatants), "end"]))
    target = Target(outcome, data.draw(st.integers(1, 999)), nxt, rows)
    text = serialize_target(target)
    assert parse_target(text) == target
    assert serialize_target(parse_target(text)) == text
    # the v1 text is the block alone, and reads back without work
    v1 = serialize_target(target, "v1")
    assert text.endswith(v1) and parse_target(v1).outcome.work == ()


@settings(max_examples=examples(200), deadline=None)
@given(turns())
def test_target_of_applies_back(t):
    encounter, action, rolls = t
    outcome, after = resolve(encounter, action, rolls)
    target = Target.of(outcome, after)
    assert target.apply(encounter) == after
    text = serialize_target(target)
    assert parse_target(text) == target
    assert parse_target(text).apply(encounter) == after


def test_documented_example_parses_and_resolves():
    p = parse_prompt(PROMPT)
    assert p.encounter.turn == 12 and p.action.ability == "poison_strike" and p.rolls.d20 == 14
    assert serialize_prompt(p.encounter, p.action, p.rolls) == PROMPT
    outcome, after = resolve(p.encounter, p.action, p.rolls)
    # tick: poison 2; damage -1 + atk 6 + d4 3 - def 1 = 7; poison applied
    assert serialize_target(Target.of(outcome, after)) == TARGET
    assert block(TARGET) == BLOCK


def test_a_v1_prompt_reads_and_the_engine_answers_it_in_v1():
    v1 = PROMPT.replace("v3 ", "v1 ", 1)
    p = parse_prompt(v1)
    assert p.version == "v1" and serialize_prompt(p.encounter, p.action, p.rolls, p.version) == v1
    assert EngineResolver().resolve(v1).text == BLOCK


def test_a_v2_prompt_is_answered_in_v2_whose_hp_lines_leave_the_max_out():
    v2 = PROMPT.replace("v3 ", "v2 ", 1)
    assert EngineResolver().resolve(v2).text == TARGET.replace("/40", "").replace("/15", "")
    heal = PROMPT.replace("poison_strike m1 roll", "heal hero roll").replace("hp 37/40", "hp 36/40")
    old, new = (EngineResolver().resolve(text).text for text in (heal.replace("v3 ", "v2 ", 1), heal))
    assert "hero hp 36 -2 = 34\nhealing base +6 roll +3 = +9\nhero hp 34 +9 = 43 max 40\n" in old
    assert "hero hp 36/40 -2 = 34\nhealing base +6 roll +3 = +9\nhero hp 34/40 +9 = 43 max 40\n" in new
    # both say the same: an hp line's sum past the max ends `max N`, and the hp is held to it
    assert block(old) == block(new)
    assert [s.after for s in parse_target(old).outcome.work if hasattr(s, "after")] == [34, 40]
    assert [s.after for s in parse_target(new).outcome.work if hasattr(s, "after")] == [34, 40]


def test_the_module_docstring_example_is_what_the_engine_says():
    doc = template_module.__doc__
    example = doc[doc.index("    v3 "):doc.index("\n\nEvery line's layout")]
    prompt, target = (textwrap.dedent(part) for part in example.split("\n\n"))
    assert EngineResolver().resolve(prompt).text == target


def test_version_tag_leads_the_prompt():
    assert PROMPT.startswith(VERSION + " ")


# --- errors: each names the line and the field -------------------------------


def _prompt_with(line: int, old: str, new: str) -> str:
    lines = PROMPT.split("\n")
    assert old in lines[line - 1], (old, lines[line - 1])
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines)


def _target_with(line: int, old: str, new: str, text: str = BLOCK) -> str:
    lines = text.split("\n")
    assert old in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return "\n".join(lines)


PROMPT_ERRORS = [
    # (name, line, old, new, what the message must contain)
    ("wrong version", 1, "v3", "v0", ["line 1", "version", "'v0'"]),
    ("unknown action", 1, "poison_strike", "fireball", ["line 1", "action", "'fireball'"]),
    ("unknown monster", 3, "goblin", "gobbo", ["line 3", "m1", "monster", "'gobbo'"]),
    ("hero not a knight", 2, "knight", "wizard", ["line 2", "hero", "'wizard'"]),
    ("unknown status", 2, "st poison", "st venom", ["line 2", "status", "'venom'"]),
    ("unknown cooldown slot", 3, "cd ignite", "cd strike", ["line 3", "'strike'"]),
    ("missing field", 2, " def 3", "", ["line 2", "'def'"]),
    ("missing roll", 1, " roll 14 3", "", ["line 1", "'roll'"]),
    ("truncated line", 3, " cd ignite 0", "", ["line 3", "'cd'"]),
    ("double space", 2, "hp 37/40", "hp  37/40", ["line 2", "whitespace"]),
    ("tab", 3, "atk 4", "atk\t4", ["line 3", "whitespace"]),
    ("trailing space", 1, "roll 14 3", "roll 14 3 ", ["line 1", "whitespace"]),
    ("hp above max", 2, "hp 37/40", "hp 41/40", ["line 2", "above its max"]),
    ("mp above max", 3, "mp 4/6", "mp 7/6", ["line 3", "above its max"]),
    ("hp out of range", 2, "hp 37/40", "hp 37/100", ["line 2", "max hp", "100"]),
    ("atk out of range", 2, "atk 6", "atk 21", ["line 2", "atk", "21"]),
    ("def out of range", 3, "def 1", "def 13", ["line 3", "def", "13"]),
    ("d20 out of range", 1, "roll 14", "roll 21", ["line 1", "d20", "21"]),
    ("d4 zero", 1, "roll 14 3", "roll 14 0", ["line 1", "d4", "0"]),
    ("turn zero", 1, "turn 12", "turn 0", ["line 1", "turn", "0"]),
    ("turn too high", 1, "turn 12", "turn 1000", ["line 1", "turn", "1000"]),
    ("status turns zero", 2, "poison 3 2", "poison 0 2", ["line 2", "poison turns", "0"]),
    ("status power high", 3, "burn 2 3", "burn 2 10", ["line 3", "burn power", "10"]),
    ("cooldown high", 2, "ignite 2", "ignite 10", ["line 2", "ignite cooldown", "10"]),
    ("non-number hp", 2, "hp 37/40", "hp lots/40", ["line 2", "hp", "'lots'"]),
    ("non-number atk", 3, "atk 4", "atk four", ["line 3", "atk", "'four'"]),
    ("leading zero", 2, "atk 6", "atk 06", ["line 2", "atk", "'06'"]),
    ("negative number", 2, "def 3", "def -3", ["line 2", "def", "'-3'"]),
    ("unicode digit", 2, "atk 6", "atk \u00b2", ["line 2", "atk"]),
    ("full-width digit", 2, "atk 6", "atk \uff16", ["line 2", "atk"]),
    ("hp without max", 3, "hp 12/15", "hp 12", ["line 3", "hp", "value/max"]),
    ("out-of-order statuses", 2, "st poison 3 2", "st regen 1 1 poison 3 2", ["line 2", "out of order"]),
    ("repeated status", 3, "st burn 2 3", "st burn 2 3 burn 1 1", ["line 3", "'burn'", "repeated"]),
    ("repeated slot", 3, "cd ignite 0", "cd ignite 0 ignite 1", ["line 3", "'ignite'", "repeated"]),
    ("wrong label", 3, "m1 goblin", "m2 goblin", ["line 3", "'m1'", "'m2'"]),
    ("extra word", 3, "cd ignite 0", "cd ignite 0 9", ["line 3", "'9'"]),
    ("actor not present", 1, "turn 12 hero", "turn 12 m2", ["line 1", "actor", "'m2'"]),
    ("target not present", 1, "poison_strike m1", "poison_strike m3", ["line 1", "target", "'m3'"]),
    ("dead with statuses", 3, "hp 12/15", "hp 0/15", ["line 3", "dead"]),
    ("zero max hp", 3, "hp 12/15", "hp 0/0", ["line 3", "max hp", "0 is outside 1..99"]),
]


@pytest.mark.parametrize("name,line,old,new,says", PROMPT_ERRORS, ids=[e[0] for e in PROMPT_ERRORS])
def test_malformed_prompt(name, line, old, new, says):
    with pytest.raises(TemplateError) as err:
        parse_prompt(_prompt_with(line, old, new))
    for word in says:
        assert word in str(err.value), (name, str(err.value))


TARGET_ERRORS = [
    ("unsigned tick", 1, "tick -2", "tick 2", ["line 1", "tick", "'2'"]),
    ("negative zero tick", 1, "tick -2", "tick -0", ["line 1", "tick", "'-0'"]),
    ("tick out of range", 1, "tick -2", "tick -28", ["line 1", "tick", "-28"]),
    ("unknown result", 1, "hit", "smash", ["line 1", "result", "'smash'"]),
    ("amount non-number", 1, "hit 7", "hit x", ["line 1", "amount", "'x'"]),
    ("missing next", 2, " next m1", "", ["line 2", "'next'"]),
    ("unknown next", 2, "next m1", "next m9", ["line 2", "next", "'m9'"]),
    ("mp above range", 3, "mp 6", "mp 31", ["line 3", "mp", "31"]),
    ("hp above range", 4, "hp 5", "hp 100", ["line 4", "hp", "100"]),
    ("unknown status", 4, "st poison", "st toxin", ["line 4", "status", "'toxin'"]),
    ("out-of-order statuses", 4, "st poison 3 2 burn 2 3", "st burn 2 3 poison 3 2", ["line 4", "out of order"]),
    ("wrong label", 4, "m1 hp", "m2 hp", ["line 4", "'m1'", "'m2'"]),
    ("kind in target row", 4, "m1 hp", "m1 goblin hp", ["line 4", "'hp'", "'goblin'"]),
    ("stray whitespace", 3, "hp 35", "hp 35 ", []),
]


@pytest.mark.parametrize("name,line,old,new,says", TARGET_ERRORS, ids=[e[0] for e in TARGET_ERRORS])
def test_malformed_target(name, line, old, new, says):
    with pytest.raises(TemplateError) as err:
        parse_target(_target_with(line, old, new))
    assert re.match(r"line \d \(", str(err.value)), str(err.value)
    for word in says:
        assert word in str(err.value), (name, str(err.value))


WORK_ERRORS = [
    ("unknown term", 3, "def -1", "shield -1", ["line 3 (damage)", "'shield'"]),
    ("terms out of order", 3, "atk +6 = +5 roll +3", "roll +3 = +2 atk +6", ["line 3", "out of order"]),
    ("unsigned term", 3, "roll +3", "roll 3", ["line 3", "roll", "signed"]),
    ("missing total", 3, "roll +3 = +8", "roll +3", ["line 3", "'='"]),
    ("hp change without =", 2, "-2 = 35", "-2 35", ["line 2", "'='"]),
    ("a line out of order", 1, "ticks poison -2", "alive hero", ["line 2", "out of order"]),
    ("not a work line", 1, "ticks", "sums", ["line 1", "'sums'"]),
    ("alive out of order", 5, "alive hero m1", "alive m1 hero", ["line 5", "out of order"]),
]


@pytest.mark.parametrize("name,line,old,new,says", WORK_ERRORS, ids=[e[0] for e in WORK_ERRORS])
def test_malformed_work(name, line, old, new, says):
    with pytest.raises(TemplateError) as err:
        parse_target(_target_with(line, old, new, TARGET))
    for word in says:
        assert word in str(err.value), (name, str(err.value))


def test_a_slip_in_the_work_reads_back_as_written():
    """A wrong running total is the model's to answer for (a divergence from
    the engine), not a malformed text: it parses and round-trips."""
    slipped = TARGET.replace("def -1 = +7", "def -1 = +9")
    parsed = parse_target(slipped)
    assert parsed.outcome.work[2].totals == (-1, 5, 8, 9)
    assert serialize_target(parsed) == slipped


def test_a_block_with_no_outcome_line_is_refused():
    with pytest.raises(TemplateError, match="ends before its outcome line"):
        parse_target(WORK.rstrip("\n"))


def _monster(label: str) -> str:
    return f"{label} rat hp 3/6 mp 0/0 atk 2 def 0 st cd"


def test_too_many_combatants_in_prompt():
    text = "\n".join([PROMPT, _monster("m2"), _monster("m3"), _monster("m4")])
    with pytest.raises(TemplateError, match="at most 4 combatants, got 5"):
        parse_prompt(text)


def test_too_many_rows_in_target():
    rows = [f"{label} hp 1 mp 0 st cd" for label in ("m2", "m3", "m4")]
    with pytest.raises(TemplateError, match="at most 4 combatants, got 5"):
        parse_target("\n".join([TARGET, *rows]))


def test_four_combatants_is_the_most_and_fits():
    text = "\n".join([PROMPT, _monster("m2"), _monster("m3")])
    assert [c.label for c in parse_prompt(text).encounter.combatants] == list(LABELS)


@pytest.mark.parametrize("text", ["", "v1 turn 1 hero strike m1 roll 5 2", PROMPT.split("\n")[0] + "\n" + PROMPT.split("\n")[1]])
def test_too_few_lines(text):
    with pytest.raises(TemplateError, match="prompt: expected at least 3 lines"):
        parse_prompt(text)


def test_not_text():
    with pytest.raises(TemplateError, match="expected text"):
        parse_prompt(None)  # type: ignore[arg-type]


def test_crlf_is_stray_whitespace():
    with pytest.raises(TemplateError, match="line 1.*whitespace"):
        parse_prompt(PROMPT.replace("\n", "\r\n"))


def test_apply_refuses_a_block_for_another_encounter():
    before = parse_prompt(PROMPT).encounter
    target = parse_target(TARGET)
    two = Encounter(before.turn, before.actor, before.combatants[:1])
    with pytest.raises(TemplateError, match="target lists hero m1"):
        target.apply(two)
    high = Target(target.outcome, target.turn, target.next, (target.rows[0], Row("m1", 16, 0, (), (("ignite", 0),))))
    with pytest.raises(TemplateError, match="above max"):
        high.apply(before)
    wrong_slots = Target(target.outcome, target.turn, target.next, (target.rows[0], Row("m1", 5, 0, (), ())))
    with pytest.raises(TemplateError, match="cooldown slots differ"):
        wrong_slots.apply(before)


def test_the_examples_in_the_field_legend_are_what_the_engine_says():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "template.md").read_text()
    blocks = re.findall(r"```(\w*)\n(.*?)\n```", doc, re.S)
    texts = [body for lang, body in blocks if lang == ""]
    engine = EngineResolver()
    assert engine.resolve(texts[0]).text == texts[1]
    prompt, target = texts[2].split("\n\n")
    assert engine.resolve(prompt).text == target
    record = json.loads(next(body for lang, body in blocks if lang == "json"))
    assert engine.resolve(record["prompt"]).text == record["target"]


def test_the_field_legend_lists_every_ability_and_status():
    from game.combat.content import default

    doc = (Path(__file__).resolve().parent.parent / "docs" / "template.md").read_text()
    c = default()
    for name in (*c.abilities, *c.statuses):
        assert f"| `{name}` |" in doc, name
    for name, a in c.abilities.items():
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{name}` | {a.target} |"))
        assert row.split(" | ")[2:4] == [str(a.cost), str(a.cooldown)], row


def test_a_broken_hp_line_is_told_in_this_versions_layout():
    broken = TARGET.replace("hero hp 37/40 -2 = 35", "hero hp 37/40 -2 = x5")
    with pytest.raises(TemplateError, match=r"^line 2 \(hp change\): .*'x5'"):
        parse_target(broken)
