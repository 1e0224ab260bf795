"""Texts of older templates stay readable: the engine answers them in their
own version, and --data converts them to the current one (retagged prompt,
the engine's current target) once the engine agrees with the old text,
counting what it converted. v1: the block alone; v2: hp lines without the
max beside the hp."""

from __future__ import annotations

import json
import re
from pathlib import Path

from model_fixtures import fresh_records

from game.combat.resolver import EngineResolver
from game.combat.template import VERSION, block, current, parse_prompt
from model.training.examples import DISAGREES, read_examples


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
        assert (e.prompt, e.target) == (r["prompt"], r["target"])  # what this version itself would have written
    assert f"converted to {VERSION}" in vetted.summary()


def test_v2_examples_are_converted(tmp_path: Path):
    fresh = fresh_records(30, seed=73)
    records = []
    for r in fresh:
        prompt = r["prompt"].replace(f"{VERSION} ", "v2 ", 1)
        records.append({"version": 2, "source": r["source"], "prompt": prompt,
                        "target": EngineResolver().resolve(prompt).text})
    assert all(re.search(r"hp \d+ [-+]", rec["target"]) for rec in records if " hp " in rec["target"].split("tick ")[0])
    assert all(block(rec["target"]) == block(r["target"]) for rec, r in zip(records, fresh, strict=True))
    path = tmp_path / "v2.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    vetted = read_examples([path])
    assert vetted.converted == 30
    assert [(e.prompt, e.target) for e in vetted.kept] == [(r["prompt"], r["target"]) for r in fresh]
