"""The input guard: no clean prompt refused, every kind of damage refused
with a reason that names the line and field."""

from __future__ import annotations

import json
import re

import pytest

from game.combat import schema
from game.combat.content import default
from game.combat.template import TemplateError, parse_prompt
from game.world.generate import transitions
from model.config import Config
from model.evaluation.perturb import families
from model.guard import KINDS, TEMPLATE_RANGES, Guard, Refusal, observed_ranges
from model.tokenizer import Tokenizer, template_words
from model.weights import BUNDLED, config_path, read

CONTENT = default()
TOK = Tokenizer.for_content(CONTENT)
GUARD = Guard(TOK, CONTENT, max_len=Config.max_len)  # a v3 model's context
WHERE = re.compile(r"^(line [1-5] \((head|hero|m1|m2|m3)\)|prompt): ")

# the docstring example of game/template.py: goblin m1 ignites the hero
PROMPT = (
    "v3 turn 12 m1 ignite hero roll 14 3\n"
    "hero knight hp 37/40 mp 8/12 atk 6 def 3 st poison 3 2 cd poison_strike 0 ignite 2 heal 0 guard 0\n"
    "m1 goblin hp 12/15 mp 4/6 atk 4 def 1 st burn 2 3 cd ignite 0"
)


@pytest.mark.parametrize("ranges", ["template", "bundled"])
def test_no_clean_prompt_refused(ranges):
    """With the template's ranges, and with the trained ranges the bundled
    model's config carries (what the game's guard uses)."""
    guard = GUARD
    if ranges == "bundled":
        if not BUNDLED.exists():
            pytest.skip("no bundled weights")
        guard = Guard.for_model(read(BUNDLED).tok, json.loads(config_path(BUNDLED).read_text()), CONTENT)
        weaker = PROMPT.replace("atk 6 def 3", "atk 1 def 3")  # play's heroes hit harder than that
        assert guard.reason(weaker) == "line 2 (hero): atk 1 is outside the 2..20 the model was trained on"
    refused = [(r["prompt"], why) for r in transitions(2000, seed=4242) if (why := guard.reason(r["prompt"]))]
    assert refused == []


def test_clean_prompt_passes_with_its_tokens():
    parsed, ids = GUARD.check(PROMPT)
    assert parsed.action.ability == "ignite" and ids == TOK.encode(PROMPT)


@pytest.mark.parametrize("old, new, kind, reason", [
    ("st poison", "st regn", "template", "line 2 (hero): unknown status 'regn'"),
    ("st burn", "st Regen", "template", "line 3 (m1): unknown status 'Regen'"),
    ("m1 ignite", "m1 psn_strike", "template", "line 1 (head): unknown action 'psn_strike'"),
    ("poison 3 2", "poison 12 2", "template", "line 2 (hero): poison turns: 12 is outside 1..9"),
    ("turn 12", "turn 1200", "template", "line 1 (head): turn: 1200 is outside 1..999"),
    ("hp 37/40", "hp 0/40", "template", "line 2 (hero): a dead combatant has no statuses"),
    ("atk 6 def 3", "def 3 atk 6", "template", "line 2 (hero): expected 'atk', got 'def'"),
    ("hp 37/40 mp", "hp 37/40  mp", "template", "line 2 (hero): stray whitespace"),
    ("ignite 2 heal", "heal 0 ignite 2 guard 0 heal", "template", "line 2 (hero): cooldown slot 'heal' repeated"),
    ("ignite 2 heal 0", "heal 0 ignite 2", "canonical", "line 2 (hero): cd: slots"),
    (" heal 0 guard 0", " guard 0", "canonical", "line 2 (hero): cd: slots 'poison_strike ignite guard'"),
    ("cd ignite 0", "cd ignite 0 bash 1", "canonical", "line 3 (m1): cd: slots 'ignite bash', a goblin has 'ignite'"),
    ("cd ignite 0", "cd ignite 1", "action", "line 1 (head): action: ignite is on cooldown (1)"),
    ("mp 4/6", "mp 2/6", "action", "line 1 (head): action: ignite costs 3 mp, m1 has 2"),
    ("m1 ignite hero", "m1 ignite m1", "action", "line 1 (head): action: ignite must target an enemy"),
    ("m1 goblin", "m1 Goblin", "template", "line 3 (m1): unknown monster 'Goblin'"),
    ("m1 goblin", "m2 goblin", "template", "line 3 (m1): expected combatant 'm1' here, got 'm2'"),
])
def test_each_damage_refused_naming_the_field(old, new, kind, reason):
    assert old in PROMPT
    with pytest.raises(Refusal) as exc:
        GUARD.check(PROMPT.replace(old, new, 1))
    assert exc.value.kind == kind and kind in KINDS
    assert str(exc.value).startswith(reason)
    assert isinstance(exc.value, TemplateError)  # callers that catch template errors keep working


def test_words_outside_the_models_vocabulary():
    older = Tokenizer([w for w in template_words(CONTENT) if w != "goblin"])  # trained before goblins existed
    why = Guard(older, CONTENT).reason(PROMPT)
    assert why.startswith("line 3 (m1): 'goblin' is outside the model's vocabulary")


def test_trained_ranges_from_the_weights_metadata():
    meta = {"ranges": {"atk": [0, 5]}, "config": {"max_len": Config.max_len}}
    guard = Guard.for_model(TOK, meta, CONTENT)
    assert guard.trained and guard.ranges["def"] == TEMPLATE_RANGES["def"]
    assert guard.reason(PROMPT) == "line 2 (hero): atk 6 is outside the 0..5 the model was trained on"
    assert Guard.for_model(TOK, {}, CONTENT).reason(PROMPT) is None


def test_observed_ranges_cover_what_they_saw():
    prompts = [r["prompt"] for r in transitions(300, seed=5)]
    ranges = observed_ranges(prompts, CONTENT)
    assert set(ranges) == set(schema.PROMPT_NUMBERS)  # a v3 prompt's numbers (v4 adds its rule's: test_rules_in_prompt)
    guard = Guard(TOK, CONTENT, ranges)
    assert all(guard.reason(p) is None for p in prompts)


def test_prompt_and_answer_must_fit_the_context():
    why = Guard(TOK, CONTENT, max_len=60).reason(PROMPT)
    assert why.startswith("prompt: ") and "at most 60" in why


@pytest.mark.parametrize("name", [f.name for f in families.FAMILIES if f.name != "clean"])
def test_perturbed_prompts_refused_name_a_line(name):
    """What the engine cannot answer, the guard refuses; every refusal names where."""
    fam = families.family(name)
    for case in families.cases(name, 3 * len(fam.kinds), seed=11, content=CONTENT):
        why = GUARD.reason(case.prompt)
        try:
            p = parse_prompt(case.prompt, CONTENT)
        except TemplateError:
            p = None
        if p is None:
            assert why, case
        if why:
            assert WHERE.match(why), (case.kind, why)
