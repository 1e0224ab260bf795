"""Weights on disk: a safetensors file plus a JSON config beside it.

The safetensors layout is written and read here directly (an 8-byte header
length, a JSON header, raw little-endian tensors), so loading never unpickles
anything and needs no extra package.
"""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import torch

from game.template import VERSION

from .network import Config, PicoModel
from .tokenizer import Tokenizer

ASSETS = Path(__file__).resolve().parent.parent / "assets"
BUNDLED = ASSETS / "pico.safetensors"
DTYPES = {"F32": (np.float32, torch.float32), "F16": (np.float16, torch.float16), "I64": (np.int64, torch.int64)}
NAMES = {v[1]: k for k, v in DTYPES.items()}


class WeightsError(Exception):
    """Weights that are missing, corrupt or do not fit this game."""


def config_path(path: Path) -> Path:
    return path.with_suffix(".json")


def write_tensors(path: Path, tensors: dict[str, torch.Tensor]) -> None:
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().cpu().contiguous().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw)
        for b in blobs:
            f.write(b)
    tmp.replace(path)


def read_tensors(path: Path) -> dict[str, torch.Tensor]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise WeightsError(f"{path}: weights file not found") from None
    try:
        (size,) = struct.unpack("<Q", data[:8])
        if 8 + size > len(data):
            raise ValueError("header length past the end of the file")
        header = json.loads(data[8 : 8 + size])
        if not isinstance(header, dict):
            raise ValueError("header is not a JSON object")
        body = memoryview(data)[8 + size :]
        out = {}
        for name, spec in header.items():
            if name == "__metadata__":
                continue
            np_type, _ = DTYPES[spec["dtype"]]
            begin, end = spec["data_offsets"]
            if end > len(body):
                raise ValueError("tensor data past the end of the file")
            array = np.frombuffer(body[begin:end], dtype=np_type).reshape(spec["shape"])
            out[name] = torch.from_numpy(array.copy())
        return out
    except (struct.error, ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from None


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def save(path: Path, model: PicoModel, tok: Tokenizer, meta: dict) -> None:
    """Write weights (fp32) and their JSON config: sizes, vocabulary, recipe, metrics."""
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.float() for k, v in model.state_dict().items()}
    write_tensors(path, state)
    config = {"config": model.config.to_dict(), "vocab": tok.vocab, **meta}
    config_path(path).write_text(json.dumps(config, indent=1) + "\n")


def load(path: Path | None = None) -> tuple[PicoModel, Tokenizer, dict]:
    """The model, its tokenizer and its metadata; WeightsError on any problem."""
    path = Path(path) if path else BUNDLED
    cfg_file = config_path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: weights file not found")
    try:
        meta = json.loads(cfg_file.read_text())
        config = Config(**meta["config"])
        tok = Tokenizer([w for w in meta["vocab"] if w not in Tokenizer([]).vocab])
        if tok.vocab != meta["vocab"]:
            raise ValueError("vocabulary layout differs from this tokenizer's")
        if len(tok) != config.vocab_size:
            raise ValueError(f"a vocabulary of {len(tok)} words for a model of {config.vocab_size}")
        if meta.get("template", VERSION) != VERSION:
            raise ValueError(f"the model was trained on template {meta['template']}, this game writes {VERSION}: "
                             f"retrain it (pico-rogue train)")
    except FileNotFoundError:
        raise WeightsError(f"{cfg_file}: model config not found (expected beside {path.name})") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise WeightsError(f"{cfg_file}: not a valid model config ({exc})") from None
    model = PicoModel(config)
    tensors = read_tensors(path)
    try:
        model.load_state_dict(tensors)
    except RuntimeError as exc:
        raise WeightsError(f"{path}: weights do not match the config ({str(exc).splitlines()[0]})") from None
    model.eval()
    return model, tok, meta
