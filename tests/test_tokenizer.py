"""The tokenizer: template text round trips through tokens, numbers are
place-tagged digits least significant first with fixed widths, unknown words
are <unk> (never an exception), and `Structure` tells each token its place."""

from __future__ import annotations

import pytest
from conftest import CONTENT, examples, prompts
from hypothesis import given, settings
from model_fixtures import fresh_records

from game.combat.encounter import LABELS
from game.combat.template import serialize_prompt
from model.tokenizer import BLOCK, EOS, FIRST_COMBATANT, HEAD, OUTCOME, PROMPT, UNK, WORK, WORK_ROLES, Structure, Tokenizer

TOK = Tokenizer.for_content()


def words(text: str) -> list[str]:
    return [TOK.vocab[i] for i in TOK.encode(text)]


def test_fresh_prompts_and_targets_round_trip():
    for r in fresh_records(300, seed=11):
        for text in (r["prompt"], r["target"]):
            ids = TOK.encode(text)
            assert TOK.unk not in ids, text
            assert TOK.decode(ids) == text


@settings(max_examples=examples(150), deadline=None)
@given(prompts())
def test_any_prompt_the_template_admits_round_trips(p):
    text = serialize_prompt(*p)
    ids = TOK.encode(text)
    assert TOK.unk not in ids
    assert TOK.decode(ids) == text


def test_numbers_are_place_tagged_digits_units_first_with_fixed_widths():
    assert words("turn 5") == ["turn", "u5", "t0", "h0"]
    assert words("hp 37/61") == ["hp", "u7", "t3", "/", "u1", "t6"]
    assert words("roll 12 3") == ["roll", "u2", "t1", "u3"]
    assert words("tick -4 hit 7") == ["tick", "-", "u4", "t0", "hit", "u7", "t0"]
    assert words("st burn 6 4 cd guard 8") == ["st", "burn", "u6", "u4", "cd", "guard", "u8"]
    assert words("turn 999") == ["turn", "u9", "t9", "h9"]


def test_every_content_word_has_its_own_token():
    assert len(set(TOK.vocab)) == len(TOK.vocab)
    for word in [*CONTENT.monsters, *CONTENT.abilities, *CONTENT.statuses]:
        assert TOK.id(word) != TOK.unk, word


@pytest.mark.parametrize("text", [
    "v1 turn 5 hero fireball m1 roll 3 2",  # an unknown action
    "hero dragonette hp 1/2",  # an unknown monster
    "hp 1000/5",  # a number beyond the template's
    "hp 07/10",  # a leading zero: not the canonical number
    "hp ٣/10",  # a non-ASCII digit
    "turn 5 🐉 next hero",
])
def test_unknown_words_and_numbers_become_unk(text):
    ids = TOK.encode(text)
    assert TOK.unk in ids
    assert all(0 <= i < len(TOK) for i in ids)
    TOK.decode(ids)  # never raises


def test_decode_stops_at_eos_and_survives_any_id():
    ids = TOK.encode("turn 12 next hero")
    assert TOK.decode(ids + [TOK.eos] + TOK.encode("m1 hp 3")) == "turn 12 next hero"
    assert TOK.decode([len(TOK) + 5, -1]) == f"{UNK} {UNK}"
    assert EOS not in TOK.decode([TOK.eos])


def test_structure_labels_segments_lines_fields_and_numbers():
    r = fresh_records(1, seed=5)[0]
    ids = TOK.encode(r["prompt"]) + [TOK.sep] + TOK.encode(r["target"]) + [TOK.eos]
    places = Structure(TOK).of(ids)
    sep = ids.index(TOK.sep)
    block = sep + 1 + TOK.encode(r["target"]).index(TOK.id("tick"))  # where the next-state block starts
    assert {p[0] for p in places[:sep]} == {PROMPT} and {p[0] for p in places[sep + 1 : block]} == {WORK}
    assert {p[0] for p in places[block:]} == {BLOCK}
    assert places[0][1] == HEAD and places[block][1] == OUTCOME
    # each work line's role is its kind's, or the combatant whose hp it changes
    assert places[sep + 1][1] in {FIRST_COMBATANT + len(LABELS) + k for k in range(len(WORK_ROLES))}

    def hp_places(start: int, end: int, line: int) -> list[tuple[int, int, int]]:
        """(role, field, arg) of the tokens of the hp field on a line of ids[start:end]."""
        breaks = [start - 1] + [i for i in range(start, end) if ids[i] == TOK.id("\n")] + [end]
        span = range(breaks[line] + 1, breaks[line + 1])
        return [places[i][1:] for i in span if places[i][2] == TOK.id("hp")]

    # the hero's hp digits: the same role on both sides (rows align), the
    # field is "hp", the current hp is number 1 and the max (prompt only) 2
    prompt_hp, target_hp = hp_places(0, sep, 1), hp_places(block, len(ids) - 1, 2)
    assert {p[0] for p in prompt_hp} == {p[0] for p in target_hp} == {FIRST_COMBATANT}
    assert [p[2] for p in prompt_hp[1:]] == [1, 1, 1, 2, 2]  # u t / u t after "hp"
    assert [p[2] for p in target_hp[1:]] == [1, 1]


def test_structure_is_incremental():
    r = fresh_records(1, seed=8)[0]
    ids = TOK.encode(r["prompt"]) + [TOK.sep] + TOK.encode(r["target"])
    step = Structure(TOK)
    assert [step.push(i) for i in ids] == Structure(TOK).of(ids)
