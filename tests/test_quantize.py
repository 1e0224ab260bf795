"""`pico-rogue quantize`: int8 weights with a scale per group (and fp16)
are at most a megabyte for the bundled model, load wherever weights load
(both runtimes, `resolve --weights`), round every value to within half a
step of its group, and answer as the fp32 model does on fresh prompts."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest
from model_fixtures import fresh_records

from cli import main
from model import weights
from model.errors import UsageError
from model.quantize import int8_groups, quantize
from model.resolver import load_resolver

pytestmark = pytest.mark.skipif(not weights.BUNDLED.exists(), reason="no bundled weights")


@pytest.fixture(scope="module")
def int8(tmp_path_factory) -> weights.Weights:
    return quantize(None, tmp_path_factory.mktemp("q") / "pico-int8.safetensors")


def test_int8_is_at_most_a_megabyte_and_says_what_it_is(int8):
    assert int8.path.stat().st_size <= 1_000_000
    assert int8.stored == "int8"
    assert int8.meta["quantized"]["dtype"] == "int8" and int8.meta["name"] == "pico-int8"
    assert int8.meta["quantized"]["from"]["sha256"] == weights.sha256(weights.BUNDLED)
    assert int8.config == weights.read().config


def test_the_card_is_inside_the_quantized_file_and_its_copy_is_held_to_it(int8, tmp_path):
    assert json.loads(weights.read_metadata(int8.path)[weights.CARD]) == int8.meta
    copy = tmp_path / "q.safetensors"
    copy.write_bytes(int8.path.read_bytes())
    copy.with_suffix(".json").write_text(weights.config_path(weights.BUNDLED).read_text())  # another file's card
    with pytest.raises(weights.WeightsError, match="not the card of q.safetensors"):
        weights.read(copy)


def test_every_value_is_within_half_a_step_of_its_group(int8):
    source = weights.read()
    for name, w in source.tensors.items():
        got = int8.tensors[name]
        if w.ndim == 1:
            assert np.array_equal(got, w), name  # vectors stay float32
            continue
        groups = w.reshape(*w.shape[:-1], -1, 64)
        step = np.abs(groups).max(axis=-1, keepdims=True) / 127
        assert (np.abs(got.reshape(groups.shape) - groups) <= step / 2 + 1e-7).all(), name


def test_a_zero_group_and_a_row_the_group_does_not_divide():
    w = np.zeros((3, 10), np.float32)
    w[1] = np.linspace(-1, 1, 10)
    q, scale = int8_groups(w, 4)  # 4 does not divide 10: whole rows
    assert scale.shape == (3, 1) and scale[0, 0] == 0 and q[0].tolist() == [0] * 10
    assert q[1].min() == -127 and q[1].max() == 127


@pytest.mark.parametrize("runtime", ["numpy", "torch"])
def test_int8_answers_as_fp32_on_fresh_prompts(int8, runtime):
    fp32, small = load_resolver(runtime=runtime), load_resolver(int8.path, runtime=runtime)
    prompts = [r["prompt"] for r in fresh_records(30, seed=4242)]
    same = sum(fp32.resolve(p).text == small.resolve(p).text for p in prompts)
    assert same >= 29  # measured on 5,000 in the README


def test_fp16_loads_and_is_half_the_size(tmp_path):
    half = quantize(None, tmp_path / "pico-fp16.safetensors", "fp16")
    assert half.stored == "F16" and "group" not in half.meta["quantized"]
    assert abs(half.path.stat().st_size - weights.BUNDLED.stat().st_size / 2) < 20_000
    r = load_resolver(half.path)
    assert r.resolve(fresh_records(1, seed=3)[0]["prompt"]).valid


def test_the_command_line_writes_it_and_resolve_reads_it(tmp_path, capsys, monkeypatch):
    out = tmp_path / "small.safetensors"
    assert main(["quantize", "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["bytes"] == out.stat().st_size and report["largest_change"] < 0.01
    prompt = fresh_records(1, seed=5)[0]["prompt"]
    line = (json.dumps({"prompt": prompt}) + "\n").encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(line)))  # resolve reads the bytes
    assert main(["resolve", "--model", "--weights", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True


def test_writing_over_the_source_is_refused(tmp_path):
    with pytest.raises(UsageError, match="being read"):
        quantize(None, weights.BUNDLED)
    with pytest.raises(UsageError, match="--group"):
        quantize(None, tmp_path / "x.safetensors", group=0)
