"""The template's schema is the one source: what reads, writes, tokenizes,
guards and validates content all follow it, and content cannot take the
template's own words as names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from model_fixtures import fresh_records

from game.combat import schema
from game.combat.content import ASSETS, ContentError, load
from game.combat.template import parse_target
from model.guard import TEMPLATE_RANGES
from model.tokenizer import Tokenizer, width_after

TOK = Tokenizer.for_content()


def test_every_number_is_written_at_its_fields_width():
    """Each digit run in a tokenized target is as wide as the schema says for
    the word before it, whatever the value: 0 in a two-digit field is u0 t0."""
    for r in fresh_records(300, seed=31):
        for text in (r["prompt"], r["target"]):
            ids = TOK.encode(text)
            numbers: list[tuple[str, int]] = []  # (the word before, digits), a number starting at each units digit
            before = None
            for w in (TOK.vocab[i] for i in ids):
                if w[0] == "u" and w[1:].isdigit():
                    numbers.append((before, 1))
                    before = "<number>"
                elif w[0] in "th" and w[1:].isdigit():
                    numbers[-1] = (numbers[-1][0], numbers[-1][1] + 1)
                else:
                    before = w
            for word, digits in numbers:
                assert digits == width_after(word), (word, digits, text)
            assert TOK.decode(ids) == text


def test_the_guard_allows_exactly_the_schemas_ranges():
    for number in schema.PROMPT_NUMBERS.values():
        assert TEMPLATE_RANGES[number.name] == (number.lo, number.hi)


def test_a_target_names_each_work_line_in_the_schemas_order():
    kinds = [line.name for line in schema.V2.work]
    for r in fresh_records(200, seed=32):
        work = parse_target(r["target"]).outcome.work
        names = [type(step).__name__ for step in work]
        assert names[-1] == "Alive", names
        for step in work:
            assert getattr(step, "kind", "hp change" if type(step).__name__ == "HpChange" else "alive") in kinds


def test_a_new_version_is_one_declaration():
    v9 = schema.Version("v9", work=(schema.ALIVE,))
    assert v9.lines == (schema.HEAD, schema.COMBATANT, schema.ALIVE, schema.OUTCOME, schema.CLOCK, schema.ROW)
    assert "alive" in schema.keywords(v9) and "damage" not in schema.keywords(v9)


def test_a_row_is_the_combatant_line_without_its_fixed_fields():
    names = [i.number.name if isinstance(i, schema.Num) else getattr(i, "word", None) or i.name for i in schema.ROW.items]
    assert names == ["label", "hp", "hp", "mp", "mp", "st", "statuses", "cd", "cooldowns"]


@pytest.fixture
def assets(tmp_path: Path) -> Path:
    folder = tmp_path / "assets"
    shutil.copytree(ASSETS, folder)
    return folder


@pytest.mark.parametrize("file,old,new", [
    ("statuses.yaml", "stun:", "cd:"),  # a status that would end the status list
    ("abilities.yaml", "bash:", "st:"),
    ("abilities.yaml", "bash:", "u5:"),  # a units digit token
    ("abilities.yaml", "bash:", "roll:"),
    ("abilities.yaml", "bash:", "damage:"),  # a v2 work line
    ("monsters.yaml", "rat:", "m2:"),  # a label
    ("monsters.yaml", "rat:", "knight:"),  # the hero's kind
])
def test_content_may_not_take_a_word_of_the_template(assets: Path, file: str, old: str, new: str):
    path = assets / file
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(ContentError) as err:
        load(assets)
    name = new.rstrip(":")
    assert f"'{name}'" in str(err.value) and file in str(err.value) and "template" in str(err.value)


def test_content_limits_are_the_templates(assets: Path):
    path = assets / "monsters.yaml"
    path.write_text(path.read_text().replace("hp: 6\n", f"hp: {schema.MAX_HP.hi + 1}\n", 1))
    with pytest.raises(ContentError, match=f"outside {schema.MAX_HP.lo}..{schema.MAX_HP.hi}"):
        load(assets)
