"""Fuzzing every input surface (tests/fuzz.py): mutated prompts, JSONL
streams and files, battle saves, runs and content YAML give a clear error or
a valid answer, never an internal error, in a process whose peak memory
stays under 300 MB. Hypothesis adds structured inputs for the stream and
the saves."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.resolve import answer as _answer
from game.combat.resolver import EngineResolver
from game.records.battle import load_battle
from game.records.files import SaveError

FUZZ = Path(__file__).with_name("fuzz.py")


def _campaign(n: int, seed: int) -> dict:
    out = subprocess.run([sys.executable, str(FUZZ), "--n", str(n), "--seed", str(seed)], capture_output=True, text=True,
                         timeout=3600)
    result = json.loads(out.stdout.splitlines()[-1])
    assert result["internal_errors"] == 0, json.dumps(result["first"], indent=1)
    assert result["peak_rss_mb"] < 300
    assert sum(result["per_surface"].values()) == n and len(result["per_surface"]) == 6
    assert all(result["accepted"].get(s, 0) > 0 for s in ("jsonl", "save"))  # valid inputs reach the deep paths too
    return result


def test_a_short_fuzz_of_every_surface():
    _campaign(800, 20260)  # the long one: 30,000 (slow)


@pytest.mark.slow
def test_a_long_fuzz_of_every_surface():
    result = _campaign(30_000, 77)
    print(json.dumps({k: result[k] for k in ("inputs", "per_surface", "accepted", "internal_errors", "peak_rss_mb")}))


# no subnormal floats: torch, loaded by other tests, sets flush-to-zero for the whole process
SCALARS = (st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_subnormal=False)
           | st.text(max_size=20))
JSON = st.recursive(SCALARS,
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)


@given(st.binary(max_size=400))
@settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck))
def test_any_bytes_on_a_resolve_line_get_an_answer_naming_the_line(raw):
    answer = _answer(7, raw, EngineResolver(), False)
    assert set(answer) in ({"next"}, {"error", "line"})
    if "error" in answer:
        assert answer["error"].startswith("line 7: ") and "internal error" not in answer["error"]


FIELDS = ["seed", "weights", "template", "result", "monsters", "agreement", "turns", "depth", "version", "kind"]
TURN_FIELDS = ["prompt", "engine", "model", "model_valid", "model_error", "applied", "divergences", "narration",
               "asked_model", "fallback"]


@given(st.sampled_from(FIELDS + TURN_FIELDS), JSON)
@settings(max_examples=examples(300), deadline=None, suppress_health_check=list(HealthCheck))  # slow on a busy machine
def test_any_value_in_any_field_of_a_save_loads_or_is_refused_naming_it(tmp_path, field, value):
    turn = {"prompt": "p", "engine": "e", "model": None, "model_valid": False, "model_error": None,
            "applied": "engine", "divergences": []}
    data = {"kind": "pico-rogue battle", "version": 1, "template": "v1", "result": "won", "turns": [turn]}
    (turn if field in TURN_FIELDS else data)[field] = value
    path = tmp_path / "battle.json"
    path.write_text(json.dumps(data))
    try:
        save = load_battle(path)
    except SaveError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
        said = str(exc)
        json_level = "a number of" in said or "is not a JSON number" in said  # refused before any field is read
        assert f"'{field}" in said or "turn 1" in said or field in ("kind", "version") or json_level, said
        return
    from io import StringIO

    from rich.console import Console

    from game.ui import replay

    replay.plain(save, None, Console(file=StringIO(), width=100))
