"""Weights on disk: a real safetensors file (8-byte little-endian header
length, a JSON header, raw tensors) whose header's metadata holds the card
(the JSON config), with a copy beside it for people; weights written before
(a safetensors file and its .json, like the bundled model) still read. A
round trip keeps every tensor; a card beside that is not the one inside (a
save killed between its two renames) is refused naming it; anything
missing, corrupt, hostile or that does not fit is a WeightsError naming the
file and the field, found before the body is read (and in bounded time and
memory: a link to /dev/zero, a 2^40 header length, a config asking for
10^9 positions)."""

from __future__ import annotations

import json
import os
import resource
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from model_fixtures import untrained

from model import weights
from model.weights import WeightsError, load, read, save

pytestmark = pytest.mark.usefixtures("one_thread")
META = {"name": "probe", "recipe": {"steps": 3}, "data_seed": 7, "metrics": {"held_out_exact": 0.5}}


@pytest.fixture
def saved(tmp_path) -> Path:
    model, tok = untrained(seed=4)
    path = tmp_path / "probe.safetensors"
    save(path, model, tok, META)
    return path


def write_pair(path: Path, model, tok, meta: dict) -> Path:
    """Weights as pico-rogue wrote them before cards were embedded: the
    tensors with no metadata, the card in the .json beside."""
    import safetensors.numpy

    safetensors.numpy.save_file({k: v.numpy() for k, v in model.state_dict().items()}, str(path))
    card = {"config": model.config.to_dict(), "vocab": tok.vocab, **meta}
    path.with_suffix(".json").write_text(json.dumps(card, indent=1) + "\n")
    return path


@pytest.fixture
def pair(tmp_path) -> Path:
    model, tok = untrained(seed=4)
    return write_pair(tmp_path / "old.safetensors", model, tok, META)


@pytest.fixture(params=["one file", "a pair"])
def either(request) -> Path:
    """Weights of each layout: the card inside the file, or beside it (before)."""
    return request.getfixturevalue("saved" if request.param == "one file" else "pair")


def _card_file(path: Path) -> Path:
    """Where `path`'s card is read from (what its errors name)."""
    return path if weights.CARD in weights.read_metadata(path) else path.with_suffix(".json")


def _set_card(path: Path, meta: object, raw: str | None = None) -> Path:
    """Replace `path`'s card wherever it is (inside the file, and its copy
    beside, or the .json of a pair); returns the file errors should name."""
    where = _card_file(path)
    text = raw if raw is not None else json.dumps(meta)
    if where == path:
        _write(path, _tensors(path), {weights.CARD: text})
    path.with_suffix(".json").write_text(text)
    return where


def _card(path: Path) -> dict:
    where = _card_file(path)
    return json.loads(weights.read_metadata(path)[weights.CARD] if where == path else where.read_text())


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


def test_the_file_is_plain_safetensors_with_the_card_in_its_metadata(saved):
    data = saved.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    body = data[8 + size :]
    card = json.loads(header["__metadata__"][weights.CARD])
    assert card == json.loads(saved.with_suffix(".json").read_text())  # the copy beside, for people
    assert {k: card[k] for k in META} == META
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
    import safetensors.numpy

    tensors = safetensors.numpy.load_file(str(saved))
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


def test_a_pair_missing_its_config_is_named(pair):
    config = pair.with_suffix(".json")
    config.unlink()
    with pytest.raises(WeightsError, match="config") as err:
        load(pair)
    assert str(config) in str(err.value)


def test_the_card_inside_is_enough_without_its_copy(saved):
    saved.with_suffix(".json").unlink()
    assert read(saved).meta["name"] == "probe"


def test_weights_written_as_a_pair_still_read(pair):
    model, tok = untrained(seed=4)
    loaded, loaded_tok, meta = load(pair)
    assert loaded_tok.vocab == tok.vocab and {k: meta[k] for k in META} == META
    for name, t in model.state_dict().items():
        assert torch.equal(t, loaded.state_dict()[name]), name


def _two_saves(tmp_path) -> tuple[Path, Path]:
    """The same weights saved at step 100 and then at step 110 (two folders)."""
    model, tok = untrained(seed=4)
    saves = []
    for step in (100, 110):
        path = tmp_path / str(step) / "w.safetensors"
        path.parent.mkdir()
        save(path, model, tok, {**META, "metrics": {"step": step}})
        saves.append(path)
    return saves[0], saves[1]


@pytest.mark.parametrize("renamed", ["tensors", "card"])
def test_a_kill_between_the_two_renames_is_caught_naming_the_file(tmp_path, renamed):
    """A save at step 110 killed between its renames leaves one of its files
    beside the other of step 100's: reading it is one line naming the card,
    never weights with another save's card."""
    old, new = _two_saves(tmp_path)
    path = tmp_path / "w.safetensors"
    (new if renamed == "tensors" else old).replace(path)
    (old if renamed == "tensors" else new).with_suffix(".json").replace(path.with_suffix(".json"))
    with pytest.raises(WeightsError) as err:
        read(path)
    message = str(err.value)
    assert message.startswith(f"{path.with_suffix('.json')}: not the card of w.safetensors") and "\n" not in message
    path.with_suffix(".json").unlink()  # the way out the message gives: the card inside counts
    assert read(path).meta["metrics"]["step"] == (110 if renamed == "tensors" else 100)


def test_an_edited_copy_is_refused_not_ignored(saved):
    card = json.loads(saved.with_suffix(".json").read_text())
    saved.with_suffix(".json").write_text(json.dumps({**card, "name": "renamed"}))
    with pytest.raises(WeightsError, match="not the card of probe.safetensors"):
        read(saved)


@pytest.mark.parametrize("change", [
    lambda meta: meta["config"].update(d_model=32),  # sizes that do not fit the tensors
    lambda meta: meta.update(vocab=meta["vocab"][:-1]),  # a vocabulary of another game
    lambda meta: meta["config"].update(colour="red"),  # a field no Config has
])
def test_a_config_that_does_not_fit_is_a_weights_error(either, change):
    meta = _card(either)
    change(meta)
    _set_card(either, meta)
    with pytest.raises(WeightsError) as err:
        load(either)
    assert either.stem in str(err.value)


def _rewrite_config(path: Path, change) -> Path:
    meta = _card(path)
    change(meta)
    return _set_card(path, meta)


@pytest.mark.parametrize(("change", "field"), [
    (lambda m: m["config"].update(n_head=3), "config.n_head"),  # does not divide d_model 64
    (lambda m: m["config"].update(d_model=7), "config.n_head"),
    (lambda m: m["config"].update(max_len=10**9), "config.max_len"),  # would allocate hundreds of GB
    (lambda m: m["config"].update(max_len=1e9), "config.max_len"),
    (lambda m: m["config"].update(n_layer=0), "config.n_layer"),
    (lambda m: m["config"].update(n_layer=-2), "config.n_layer"),
    (lambda m: m["config"].update(d_ff=True), "config.d_ff"),
    (lambda m: m["config"].update(d_ff="512"), "config.d_ff"),
    (lambda m: m["config"].update(dropout=float("nan")), "config.dropout"),
    (lambda m: m["config"].update(d_model=4096, n_layer=64), "parameters"),
    (lambda m: m["config"].pop("vocab_size"), "config.vocab_size"),
    (lambda m: m.update(config=[1, 2]), "'config'"),
    (lambda m: m.update(vocab="abc"), "vocab"),
    (lambda m: m["config"].update(n_roles=3), "config.n_roles"),  # narrower than this template's structure
    (lambda m: m.update(ranges={"hp": [0, "99"]}), "ranges.hp"),
    (lambda m: m.update(ranges={"hp": [9, 1]}), "ranges.hp"),
    (lambda m: m.update(name=["x"]), "name"),
])
def test_a_bad_config_is_a_weights_error_naming_the_field(either, change, field):
    config = _rewrite_config(either, change)
    with pytest.raises(WeightsError) as err:
        read(either)
    assert str(config) in str(err.value) and field in str(err.value), err.value


def _tensors(path: Path) -> dict:
    import safetensors.numpy

    return dict(safetensors.numpy.load_file(str(path)))


def _write(path: Path, tensors: dict, metadata: dict[str, str] | None = None) -> None:
    """Write `tensors`, keeping the card inside `path` unless `metadata` replaces it."""
    import safetensors.numpy

    if metadata is None and path.exists():
        metadata = weights.read_metadata(path) or None
    safetensors.numpy.save_file(tensors, str(path), metadata=metadata)


@pytest.mark.parametrize(("value", "name"), [(float("nan"), "blocks.0.mlp.0.weight"), (float("inf"), "ln.bias")])
def test_nan_and_infinite_weights_are_refused_naming_the_tensor(saved, value, name):
    tensors = _tensors(saved)
    tensors[name] = tensors[name].copy()
    tensors[name].flat[3] = value
    _write(saved, tensors)
    with pytest.raises(WeightsError, match="NaN or infinite") as err:
        read(saved)
    assert name in str(err.value) and str(saved) in str(err.value)


@pytest.mark.parametrize(("edit", "words"), [
    (lambda t: t.pop("pos.weight"), "'pos.weight' is missing"),
    (lambda t: t.update(extra=np.zeros(3, np.float32)), "'extra' is not part of this network"),
    (lambda t: t.update({"tok.weight": t["tok.weight"][:-1].copy()}), "'tok.weight' has shape"),
    (lambda t: t.update({"ln.bias": t["ln.bias"].astype(np.int64)}), "dtype I64"),
    (lambda t: t.update({"ln.weight": t["ln.weight"].astype(np.int8)}), "int8 without scales"),
])
def test_tensors_that_do_not_fit_the_config_are_refused(saved, edit, words):
    tensors = _tensors(saved)
    edit(tensors)
    _write(saved, tensors)
    with pytest.raises(WeightsError, match=words):
        read(saved)


def _bounded(path: Path) -> None:
    """Reading `path` is a WeightsError naming it, in under 2 s and 50 MB more memory."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(WeightsError) as err:
        read(path)
    assert time.perf_counter() - start < 2
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50 * 1024
    assert str(path) in str(err.value)


def test_a_link_to_dev_zero_is_refused_without_reading_it(saved, tmp_path):
    link = tmp_path / "zero.safetensors"
    link.symlink_to("/dev/zero")
    link.with_suffix(".json").write_text(saved.with_suffix(".json").read_text())
    _bounded(link)


def test_a_huge_sparse_file_is_refused_by_its_size(saved, tmp_path):
    huge = tmp_path / "huge.safetensors"
    with open(huge, "wb") as f:
        f.write(struct.pack("<Q", 2**40))
        f.truncate(6 * 2**30)  # sparse: no disk used
    huge.with_suffix(".json").write_text(saved.with_suffix(".json").read_text())
    _bounded(huge)


def test_a_header_length_of_2_to_the_40_is_refused_before_the_body(saved):
    data = saved.read_bytes()
    saved.write_bytes(struct.pack("<Q", 2**40) + data[8:])
    _bounded(saved)


@pytest.mark.parametrize("kind", ["folder", "fifo", "huge"])
def test_a_config_that_is_not_a_small_regular_file_is_refused(either, kind):
    saved = either
    config = saved.with_suffix(".json")
    config.unlink()
    if kind == "folder":
        config.mkdir()
    elif kind == "fifo":
        os.mkfifo(config)
    else:
        with open(config, "wb") as f:
            f.truncate(64 * 2**20)
    with pytest.raises(WeightsError) as err:
        read(saved)
    assert str(config) in str(err.value)


def test_a_deeply_nested_config_is_a_weights_error(either):
    where = _set_card(either, None, raw="[" * 100_000 + "]" * 100_000)
    with pytest.raises(WeightsError, match="not a valid model config") as err:
        read(either)
    assert str(where) in str(err.value)


def test_the_config_is_written_whole_or_not_at_all(saved, monkeypatch):
    config = saved.with_suffix(".json")
    before = config.read_text()
    model, tok = untrained(seed=4)

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save(saved, model, tok, {**META, "name": "changed"})
    assert config.read_text() == before  # the old config, whole
    assert not [p for p in saved.parent.iterdir() if p.name.endswith(".tmp")]  # no temp file left behind
