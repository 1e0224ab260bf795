"""DistributedDataParallel smoke run: `torchrun` with two CPU processes (gloo)
trains a few quick-preset steps and rank 0 writes loadable weights."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from model.weights import load


@pytest.mark.slow  # two processes importing torch and training: half a minute
def test_two_cpu_processes_train_under_torchrun(tmp_path):
    out = tmp_path / "d.safetensors"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--standalone",
           "-m", "cli", "train", "--preset", "quick", "--steps", "4", "--out", str(out), "--quiet"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["metrics"]["world_size"] == 2 and meta["metrics"]["steps"] == 4
    load(out)
    # only rank 0 writes: one weights file (and its card's copy), one checkpoint (its card inside), nothing else
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d-ckpt.safetensors", "d.json", "d.safetensors"]
