"""The perturbation suite: each family makes the damage it names, the same
for the same seed, and the whole suite runs end to end on a tiny model."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

import cli
from game.combat.content import default
from game.combat.template import TemplateError, parse_prompt
from model import weights
from model.evaluation.perturb import families, scoring
from model.guard import Guard
from model.network import Config, PicoModel
from model.tokenizer import Tokenizer

CONTENT = default()
SEED = 5
GUARD = Guard(Tokenizer.for_content(CONTENT), CONTENT)


def made(name: str, per_kind: int = 2) -> dict[str, list[families.Case]]:
    fam = families.family(name)
    out: dict[str, list[families.Case]] = {k: [] for k in fam.kinds}
    for c in families.cases(name, per_kind * len(fam.kinds), SEED, CONTENT):
        out[c.kind].append(c)
    return out


def parses(text: str) -> bool:
    try:
        parse_prompt(text, CONTENT)
    except TemplateError:
        return False
    return True


@pytest.mark.parametrize("name", families.NAMES)
def test_same_seed_same_cases_and_every_kind(name):
    a = families.cases(name, 20, SEED, CONTENT)
    assert a == families.cases(name, 20, SEED, CONTENT)
    if name != "clean":
        assert a != families.cases(name, 20, SEED + 1, CONTENT)
    assert {c.kind for c in families.cases(name, len(families.family(name).kinds), SEED, CONTENT)} == set(
        families.family(name).kinds)


def test_label_substitutions():
    for kind, cases in made("label").items():
        what, variant = kind.split(" ", 1)
        for c in cases:
            assert not parses(c.prompt) and parses(c.nearest)
            pairs = [(a, b) for a, b in zip(c.nearest.split(), c.prompt.split(), strict=True) if a != b]
            assert len(pairs) == 1, (kind, pairs)  # one name replaced, nothing else
            if what in families.STATUS_VARIANTS:
                assert pairs == [(what, families.STATUS_VARIANTS[what][families.VARIANTS.index(variant)])]
    regen = made("label")
    assert "regn" in regen["regen misspelt"][0].prompt.split()
    assert "psn" in regen["poison truncated"][0].prompt.split()


def test_overloaded_labels():
    cases = made("overload")
    for c in cases["long duration"] + cases["big power"]:
        why = GUARD.reason(c.prompt)
        assert re.search(r"(turns|power): \d\d+ is outside 0?1?\.\.9", why), (c.kind, why)
    for c in cases["every status"]:
        p = parse_prompt(c.prompt, CONTENT)
        assert len(p.encounter.get(p.encounter.actor).statuses) == len(CONTENT.status_order)
    for c in cases["status on the dead"]:
        assert "a dead combatant has no statuses" in GUARD.reason(c.prompt)
    for c in cases["slot on the wrong kind"] + cases["stun with power"]:
        assert parses(c.prompt)


def test_boundaries():
    cases = made("boundary")
    for c in cases["hp 1"]:
        p = parse_prompt(c.prompt, CONTENT)
        assert 1 in (p.encounter.get(p.encounter.actor).hp, p.encounter.get(p.action.target).hp)
    for c in cases["turn 999"]:
        assert parse_prompt(c.prompt, CONTENT).encounter.turn == 999
    for c in cases["cooldowns at 0"]:
        assert all(t == 0 for x in parse_prompt(c.prompt, CONTENT).encounter.combatants for _, t in x.cooldowns)
    for c in cases["turn past the range"]:
        assert int(c.prompt.split()[2]) > 999
    for c in cases["hp 0 target"]:
        p = parse_prompt(c.prompt, CONTENT)
        assert p.encounter.get(p.action.target).hp == 0


def test_format_damage():
    cases = made("format")
    for c in cases["stray whitespace"]:
        assert c.prompt != c.nearest and c.prompt.split() == c.nearest.split()
    for c in cases["extra monster line"]:
        assert c.prompt.split("\n")[:-1] == c.nearest.split("\n")
    for c in cases["truncated"]:
        assert c.nearest.startswith(c.prompt) and not parses(c.prompt)
    for c in cases["reordered fields"] + cases["duplicated field"] + cases["missing field"]:
        assert not parses(c.prompt)
    for c in cases["missing slot"] + cases["reordered slots"]:
        assert parses(c.prompt) and c.prompt != c.nearest  # the parser takes it; the guard does not
        assert "cd: slots" in GUARD.reason(c.prompt)


def test_entity_continuity():
    cases = made("entity")
    for c in cases["swapped lines"]:
        assert c.prompt != c.nearest and sorted(c.prompt.split("\n")) == sorted(c.nearest.split("\n"))
    for c in cases["relabelled"]:
        before, after = parse_prompt(c.original, CONTENT), parse_prompt(c.prompt, CONTENT)
        assert sorted(m.kind for m in before.encounter.monsters) == sorted(m.kind for m in after.encounter.monsters)
        assert [m.kind for m in before.encounter.monsters] != [m.kind for m in after.encounter.monsters] or (
            len({m.kind for m in before.encounter.monsters}) == 1)
    for c in cases["renamed label"]:
        assert not parses(c.prompt)


def test_structure_measures_collapse():
    ref = ("tick +0 hit 5\nturn 13 next hero\nhero hp 32 mp 8 st poison 3 2 cd poison_strike 0\n"
           "m1 hp 9 mp 1 st burn 1 3 cd ignite 2")
    same = scoring.structure(ref, ref)
    assert same == {"lost": 0.0, "duplicated": 0.0, "wrong": 0.0, "labels_changed": 0.0, "effects_kept": 1.0}
    lines = ref.split("\n")
    dropped = scoring.structure(ref, "\n".join(lines[:3]))
    assert dropped["lost"] > 0 and dropped["labels_changed"] == 1.0 and dropped["effects_kept"] == 0.5
    doubled = scoring.structure(ref, "\n".join([*lines, lines[-1]]))
    assert doubled["duplicated"] > 0
    moved = scoring.structure(ref, ref.replace("st poison 3 2", "st").replace("st burn 1 3", "st poison 3 2 burn 1 3"))
    assert moved["effects_kept"] == 0.5 and moved["wrong"] > 0


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    tok = Tokenizer.for_content(CONTENT)
    model = PicoModel(Config(vocab_size=len(tok), n_layer=1, n_head=2, d_model=32, d_ff=64))
    path = tmp_path_factory.mktemp("w") / "tiny.safetensors"
    weights.save(path, model, tok, {"name": "tiny"})
    return path


def test_suite_end_to_end_json(tiny, capsys):
    assert cli.main(["eval", "--suite", "perturb", "--weights", str(tiny), "--n", "6", "--battles", "2",
                     "--seed", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["weights"]["name"] == "tiny" and result["per_family"] == 6
    assert result["guard"]["clean_refused"] == 0
    assert set(result["families"]) == set(families.NAMES)
    for fam in result["families"].values():
        for mode in scoring.MODES:
            s = fam[mode]
            assert s["prompts"] == 6
            assert {"refused", "engine_answers", "parsed", "exact_match", "nearest_match", "lost", "duplicated",
                    "wrong", "labels_changed", "effects_kept"} <= set(s)
        assert fam["raw"]["parsed"] == fam["raw"]["answered"]  # the grammar keeps every output parseable
        assert "reasons" in fam["guarded"] and fam["kinds"]
    assert result["families"]["clean"]["guarded"]["refused"] == 0
    assert result["families"]["label"]["guarded"]["refused"] == 6
    for key in ("drift", "drift_free"):
        d = result[key]
        assert d["battles"] == 2 and d["curve"] and 0 <= d["curve"][0]["identical"] <= 1


def test_suite_table_for_people(tiny, capsys):
    assert cli.main(["eval", "--suite", "perturb", "--weights", str(tiny), "--n", "3", "--battles", "1"]) == 0
    out = capsys.readouterr().out
    assert "perturbation suite" in out and "drift" in out and "guard refused" in out


def test_missing_weights_is_a_usage_error(tmp_path, capsys):
    assert cli.main(["eval", "--suite", "perturb", "--weights", str(tmp_path / "nope.safetensors")]) == 2
    assert "not found" in capsys.readouterr().err
