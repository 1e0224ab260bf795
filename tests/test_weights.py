"""Weights on disk: a real safetensors file (8-byte little-endian header
length, a JSON header, raw tensors) plus a JSON config; a round trip keeps
every tensor; anything missing or corrupt is a WeightsError naming the file."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import torch
from model_fixtures import untrained

from model import weights
from model.weights import WeightsError, load, save

pytestmark = pytest.mark.usefixtures("one_thread")
META = {"name": "probe", "recipe": {"steps": 3}, "data_seed": 7, "metrics": {"held_out_exact": 0.5}}


@pytest.fixture
def saved(tmp_path) -> Path:
    model, tok = untrained(seed=4)
    path = tmp_path / "probe.safetensors"
    save(path, model, tok, META)
    return path


def test_round_trip_keeps_every_tensor_the_vocabulary_and_the_metadata(saved):
    model, tok = untrained(seed=4)
    loaded, loaded_tok, meta = load(saved)
    assert loaded.config == model.config
    assert loaded_tok.vocab == tok.vocab
    assert not loaded.training
    want, got = model.state_dict(), loaded.state_dict()
    assert want.keys() == got.keys()
    for name in want:
        assert torch.equal(want[name], got[name]), name
    assert {k: meta[k] for k in META} == META
    assert meta["config"] == model.config.to_dict()


def test_the_file_is_plain_safetensors(saved):
    data = saved.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    body = data[8 + size :]
    model, _ = untrained(seed=4)
    state = model.state_dict()
    assert set(header) - {"__metadata__"} == set(state)
    ends = []
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        assert spec["dtype"] == "F32" and spec["shape"] == list(state[name].shape)
        begin, end = spec["data_offsets"]
        ends.append((begin, end))
        array = np.frombuffer(body[begin:end], dtype="<f4").reshape(spec["shape"])
        assert np.array_equal(array, state[name].numpy()), name
    # the tensors tile the body with no gap and nothing after them
    ends.sort()
    assert ends[0][0] == 0 and ends[-1][1] == len(body)
    assert all(a[1] == b[0] for a, b in zip(ends, ends[1:], strict=False))


def test_the_safetensors_library_reads_it(saved):
    safetensors = pytest.importorskip("safetensors.numpy")
    tensors = safetensors.load_file(str(saved))
    model, _ = untrained(seed=4)
    for name, t in model.state_dict().items():
        assert np.array_equal(tensors[name], t.numpy()), name


def test_loading_never_unpickles():
    source = Path(weights.__file__).read_text()
    assert "torch.load(" not in source and "import pickle" not in source


def _truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-100])


def _header_only(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:5])


def _garbage_header(path: Path) -> None:
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    path.write_bytes(data[:8] + b"\xff" * size + data[8 + size :])


def _header_not_an_object(path: Path) -> None:
    path.write_bytes(struct.pack("<Q", 8) + b"[1, 2]  " + b"\0" * 64)


def _header_longer_than_the_file(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(struct.pack("<Q", len(data) * 2) + data[8:])


def _pickle(path: Path) -> None:
    model, _ = untrained(seed=4)
    torch.save(model.state_dict(), path)


@pytest.mark.parametrize("corrupt", [_truncated, _header_only, _garbage_header, _header_not_an_object,
                                     _header_longer_than_the_file, _pickle])
def test_a_corrupt_file_is_a_weights_error_naming_it(saved, corrupt):
    corrupt(saved)
    with pytest.raises(WeightsError) as err:
        load(saved)
    assert str(saved) in str(err.value)


def test_a_missing_weights_file_is_named(tmp_path):
    missing = tmp_path / "nowhere.safetensors"
    with pytest.raises(WeightsError, match="not found") as err:
        load(missing)
    assert str(missing) in str(err.value)


def test_a_missing_config_is_named(saved):
    config = saved.with_suffix(".json")
    config.unlink()
    with pytest.raises(WeightsError, match="config") as err:
        load(saved)
    assert str(config) in str(err.value)


@pytest.mark.parametrize("change", [
    lambda meta: meta["config"].update(d_model=32),  # sizes that do not fit the tensors
    lambda meta: meta.update(vocab=meta["vocab"][:-1]),  # a vocabulary of another game
    lambda meta: meta["config"].update(colour="red"),  # a field no Config has
])
def test_a_config_that_does_not_fit_is_a_weights_error(saved, change):
    config = saved.with_suffix(".json")
    meta = json.loads(config.read_text())
    change(meta)
    config.write_text(json.dumps(meta))
    with pytest.raises(WeightsError) as err:
        load(saved)
    assert saved.stem in str(err.value)
