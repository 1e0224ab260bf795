"""Every write names its path when it fails: a full disk is `PATH: no space
left on device`, not the bare cause (records, weights, their card,
checkpoints, quantize). `train --out` onto a place it cannot write fails in
a second with one line, before anything is built; `play --weights` with a
bad file is one line that names it once, without a class name."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest
from model_fixtures import tiny_recipe, untrained

from cli import main
from game.records import atomic
from model import weights

pytestmark = pytest.mark.usefixtures("one_thread")
META = {"name": "probe"}


def _full_disk(real, fail_on: int = 1):
    """`real` (os.write or os.fsync) failing with ENOSPC from its `fail_on`-th call."""
    calls = [0]

    def call(*args):
        calls[0] += 1
        if calls[0] >= fail_on:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args)

    return call


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_an_atomic_write_on_a_full_disk_names_its_path(tmp_path, monkeypatch, call):
    path = tmp_path / "saves" / "run.json"
    monkeypatch.setattr(atomic.os, call, _full_disk(getattr(os, call)))
    with pytest.raises(OSError) as err:
        atomic.write_bytes(path, b"{}")
    monkeypatch.undo()
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(path)
    assert not path.exists() and not list(path.parent.iterdir())  # no half file, no temporary left


def test_a_new_save_on_a_full_disk_names_where_it_was_going(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic.os, "fsync", _full_disk(os.fsync))
    with pytest.raises(OSError) as err:
        atomic.create(tmp_path, "battle", b"{}")
    monkeypatch.undo()
    assert str(tmp_path / "battle-NNN.json") == err.value.filename


@pytest.mark.parametrize(("fail_on", "named"), [(1, ".safetensors"), (3, ".json")])
def test_weights_on_a_full_disk_name_the_file_that_failed(tmp_path, monkeypatch, fail_on, named):
    """The weights file first (its fsync, then its folder's), then its card's copy beside it."""
    model, tok = untrained(seed=1)
    path = tmp_path / "w.safetensors"
    monkeypatch.setattr(atomic.os, "fsync", _full_disk(os.fsync, fail_on))
    with pytest.raises(OSError) as err:
        weights.save(path, model, tok, META)
    monkeypatch.undo()
    assert err.value.filename == str(path.with_suffix(named)) and err.value.errno == errno.ENOSPC


def test_a_checkpoint_on_a_full_disk_names_it(tmp_path, monkeypatch):
    import torch

    from model.training.train import save_checkpoint

    model = untrained(n_layer=1, n_head=2, d_model=32, d_ff=64)[0]
    out = tmp_path / "c.safetensors"
    monkeypatch.setattr(atomic.os, "write", _full_disk(os.write))
    with pytest.raises(OSError) as err:
        save_checkpoint(out, model, torch.optim.AdamW(model.parameters()), 3, tiny_recipe(), {})
    monkeypatch.undo()
    assert err.value.filename == str(tmp_path / "c-ckpt.safetensors")


@pytest.mark.skipif(not weights.BUNDLED.exists(), reason="no bundled weights")
def test_quantize_on_a_full_disk_is_one_line_naming_the_file(tmp_path, monkeypatch, capsys):
    out = tmp_path / "q.safetensors"
    monkeypatch.setattr(atomic.os, "write", _full_disk(os.write))
    code = main(["quantize", "--out", str(out)])
    monkeypatch.undo()
    err = capsys.readouterr().err
    assert code == 2 and err == f"pico-rogue quantize: {out}: no space left on device\n"


def _quick_train(capsys, out: Path) -> tuple[int, str, float]:
    start = time.perf_counter()
    code = main(["train", "--preset", "quick", "--steps", "1", "--quiet", "--out", str(out)])
    return code, capsys.readouterr().err, time.perf_counter() - start


def test_train_out_under_a_file_fails_before_anything_is_built(tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    out = blocker / "w.safetensors"
    code, err, took = _quick_train(capsys, out)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert f"--out {out}: {blocker} is not a folder" in err
    assert took < 2  # nothing trained, nothing built


@pytest.mark.parametrize("folder", ["w.safetensors", "w-ckpt.safetensors", "w.json"])
def test_train_out_where_a_folder_stands_fails_before_anything_is_built(tmp_path, capsys, folder):
    (tmp_path / folder).mkdir()
    code, err, took = _quick_train(capsys, tmp_path / "w.safetensors")
    assert code == 2 and f"{tmp_path / folder} is a folder" in err and took < 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder]  # and nothing written


def test_train_out_in_a_folder_that_refuses_files_fails_before_anything_is_built(tmp_path, capsys, monkeypatch):
    """A read-only place (root writes anywhere, so the refusal is simulated
    where the probe is created)."""
    real_open = os.open

    def read_only(path, flags, *args):
        if flags & os.O_CREAT and Path(path).parent == tmp_path:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), path)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", read_only)
    code, err, took = _quick_train(capsys, tmp_path / "w.safetensors")
    monkeypatch.undo()
    assert code == 2 and err.count("\n") == 1 and took < 2
    assert f"cannot write in {tmp_path} (read-only file system)" in err


def test_play_with_broken_weights_is_one_line_naming_the_file_once(tmp_path, capsys):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00[1, 2]  ")
    code = main(["play", "--saves", str(tmp_path / "saves"), "--weights", str(broken)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.count(str(broken)) == 1
    assert "WeightsError" not in err and err.startswith(f"pico-rogue play: {broken}: not a valid safetensors file")
