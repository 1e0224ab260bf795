"""`pico-rogue quantize`: the same network in fewer bytes.

int8 (the default), as llama2.c's Q8_0: every matrix (the embedding tables
and the linear layers' weights) is cut along each row into groups of
`group` values; a group keeps one float32 scale, its largest magnitude over
127, and its values as int8 multiples of it. Vectors (biases, LayerNorms)
stay float32: they are 1 % of the parameters. fp16 halves every tensor.

Either file loads wherever weights do (`--weights`): model/weights.py turns
int8 back into float32 on reading, so both runtimes run float32 arithmetic
on the rounded weights; what quantizing costs in fidelity is measured with
`eval` on fresh transitions (README, "The pico model").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model import weights
from model.errors import UsageError

GROUP = 64


def int8_groups(w: np.ndarray, group: int) -> tuple[np.ndarray, np.ndarray]:
    """(int8 values, float32 scales of shape (*w.shape[:-1], groups)); a group
    that does not divide the row becomes the whole row."""
    size = group if w.shape[-1] % group == 0 else w.shape[-1]
    cut = w.astype(np.float64).reshape(*w.shape[:-1], w.shape[-1] // size, size)
    scale = np.abs(cut).max(axis=-1) / 127.0
    q = np.round(cut / np.where(scale == 0, 1.0, scale)[..., None])
    return q.astype(np.int8).reshape(w.shape), scale.astype(np.float32)


def quantized(tensors: dict[str, np.ndarray], dtype: str, group: int = GROUP) -> dict[str, np.ndarray]:
    """The tensors to write for `dtype` ("int8" or "fp16")."""
    out: dict[str, np.ndarray] = {}
    for name, w in tensors.items():
        if dtype == "fp16":
            out[name] = w.astype(np.float16)
        elif w.ndim >= 2:
            out[name], out[name + weights.SCALE] = int8_groups(w, group)
        else:
            out[name] = w.astype(np.float32)
    return out


def quantize(source: Path | None, out: Path, dtype: str = "int8", group: int = GROUP) -> weights.Weights:
    """Write `source`'s weights (default: the bundled model) as `dtype` to `out`; the written weights, read back."""
    if group < 1:
        raise UsageError(f"--group {group}: a group holds at least one value")
    w = weights.read(source)
    if Path(out).resolve() == w.path.resolve():
        raise UsageError(f"--out {out}: that is the file being read; write the smaller weights elsewhere")
    meta = {k: v for k, v in w.meta.items() if k != "quantized"}
    meta["name"] = f"{w.meta.get('name', w.path.stem)}-{dtype}"
    meta["quantized"] = {"dtype": dtype, **({"group": group} if dtype == "int8" else {}),
                         "from": {"name": w.meta.get("name", w.path.stem), "sha256": w.sha256}}
    weights.write(Path(out), quantized(w.tensors, dtype, group), meta)
    return weights.read(out)
