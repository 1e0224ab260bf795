"""Texts of template v1 stay readable: the engine answers them in v1, and
--data converts them to v2 (retagged prompt, the engine's v2 target) once the
engine agrees with the old block, counting what it converted."""

from __future__ import annotations

import json
from pathlib import Path

from model_fixtures import fresh_records

from game.resolver import EngineResolver
from game.template import VERSION, block, current, parse_prompt
from model.examples import DISAGREES, read_examples


def _v1(record: dict) -> dict:
    """The same transition as v1 wrote it: tag v1, the block alone."""
    return {"version": 1, "source": record["source"], "prompt": record["prompt"].replace(f"{VERSION} ", "v1 ", 1),
            "target": block(record["target"])}


def test_the_engine_answers_v1_in_v1_and_current_retags():
    for r in fresh_records(50, seed=71):
        old = _v1(r)
        assert EngineResolver().resolve(old["prompt"]).text == old["target"]
        assert current(old["prompt"]) == r["prompt"] and parse_prompt(old["prompt"]).version == "v1"


def test_v1_examples_are_converted_and_poisoned_ones_skipped(tmp_path: Path):
    records = [_v1(r) for r in fresh_records(30, seed=72)]
    poisoned = dict(records[0], target=records[0]["target"].replace("turn ", "turn 9", 1))
    path = tmp_path / "old.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [*records, poisoned]) + "\n")
    vetted = read_examples([path])
    assert vetted.converted == 30 and vetted.skipped[DISAGREES] == 1
    for e, r in zip(vetted.kept, fresh_records(30, seed=72), strict=True):
        assert (e.prompt, e.target) == (r["prompt"], r["target"])  # what v2 itself would have written
    assert "converted to v2" in vetted.summary()
