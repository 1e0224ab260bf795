"""Weights on disk: one safetensors file holding the tensors and their card
(the JSON config: sizes, vocabulary, recipe, metrics, trained ranges) in its
header's metadata, under the key "pico"; a copy of the card beside it
(NAME.json) for people.

The card inside is the one that counts. The file is written to a temporary
name and renamed into place, so tensors and card change together or not at
all; the copy beside is written after it, and a copy that differs from the
card inside (a save killed between the two renames, an edit) is refused on
reading, naming it, rather than trusted or ignored. Weights written before
cards were embedded (the bundled assets/pico.safetensors with pico.json,
and anyone's older files) are a pair: their card is the .json beside.

Tensors are read and written with the safetensors package's numpy API (the
format's own reader: nothing is unpickled, and torch is not needed to play).
Every file is checked before it is trusted, and every problem is a
WeightsError naming the file and the field:

- a regular file (not a device, fifo or directory) under its size cap, before
  it is opened;
- the config: JSON, its `config` a valid network config (config.Config.of:
  known fields, positive sizes under their caps, n_head dividing d_model),
  its vocabulary this game's, its structure tables wide enough for this
  template's Structure, its trained ranges pairs of integers;
- the tensor file's header (which safetensors reads alone, mapping the body
  without reading it) against the config: every tensor the network has,
  nothing else, each with its shape and a known dtype;
- then the values: no NaN or infinity.

Tensors may be stored as F32, F16, or int8 with scales (`quantize.py`):
`name` as I8 and `name.scale` holding one scale per group of the last axis.
Reading gives float32 arrays either way.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from game.combat.template import VERSION
from game.records import atomic
from model.config import Config, ConfigError
from model.errors import ModelError
from model.slots import VERSION as SLOTTED
from model.tokenizer import N_ARGS, N_ROLES, N_ROLES_V3, N_SEGMENTS, Tokenizer

ASSETS = Path(__file__).resolve().parent.parent / "assets"
BUNDLED = ASSETS / "pico.safetensors"
MAX_TENSOR_BYTES = 256 * 2**20  # a weights file (or a checkpoint with its optimizer state)
MAX_CONFIG_BYTES = 4 * 2**20
FLOATS = {"F32": np.float32, "F16": np.float16}
SCALE = ".scale"  # suffix of an int8 tensor's scales
CARD = "pico"  # the safetensors metadata key holding the card (the config JSON)


class WeightsError(ModelError):
    """Weights that are missing, corrupt or do not fit this game."""


@dataclass(frozen=True)
class Weights:
    tensors: dict[str, np.ndarray]  # float32, by the network's names
    config: Config
    tok: Tokenizer
    meta: dict  # the JSON config: sizes, vocabulary, recipe, metrics, trained ranges
    path: Path
    sha256: str
    stored: str  # how the tensors are stored: "F32", "F16" or "int8"


def config_path(path: Path) -> Path:
    return Path(path).with_suffix(".json")


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _checked_file(path: Path, cap: int, what: str) -> int:
    """The size of `path`, a regular file of at most `cap` bytes; WeightsError otherwise."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise WeightsError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise WeightsError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise WeightsError(f"{path}: the {what} is not a regular file")
    if info.st_size > cap:
        raise WeightsError(f"{path}: the {what} is {info.st_size:,} bytes, more than the {cap:,} allowed")
    return info.st_size


def read_tensors(path: Path, cap: int = MAX_TENSOR_BYTES) -> dict[str, np.ndarray]:
    """Float32 arrays by name from a safetensors file (a checkpoint's too)."""
    return _read_tensors(Path(path), cap, None)[0]


def _read_tensors(path: Path, cap: int, shapes: dict[str, tuple[int, ...]] | None) -> tuple[dict[str, np.ndarray], str]:
    """(float32 arrays by name, how they were stored). With `shapes`, the
    header must hold exactly those tensors (int8 ones with their scales),
    checked before any tensor is read."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    _checked_file(path, cap, "weights file")
    try:
        with safe_open(path, framework="np") as f:
            names = list(f.keys())
            specs = {name: (f.get_slice(name).get_dtype(), tuple(f.get_slice(name).get_shape())) for name in names}
            stored = _check_header(path, specs, shapes)
            raw = {name: f.get_tensor(name) for name in names}
    except SafetensorError as exc:
        raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from None
    except OSError as exc:
        raise WeightsError(f"{path}: cannot read the weights file ({exc.strerror or exc})") from None
    out = {}
    for name, array in raw.items():
        if name.endswith(SCALE) and specs[name[: -len(SCALE)]][0] == "I8":
            continue
        if specs[name][0] == "I8":
            scale = raw[name + SCALE].astype(np.float32)
            if not np.isfinite(scale).all():
                raise WeightsError(f"{path}: tensor '{name}{SCALE}' holds NaN or infinite values")
            groups = scale.shape[-1]
            array = (array.astype(np.float32).reshape(*array.shape[:-1], groups, -1) * scale[..., None]).reshape(array.shape)
        else:
            array = np.array(array, dtype=np.float32)
            if not np.isfinite(array).all():
                raise WeightsError(f"{path}: tensor '{name}' holds NaN or infinite values")
        out[name] = array
    return out, stored


def _check_header(path: Path, specs: dict[str, tuple[str, tuple[int, ...]]],
                  shapes: dict[str, tuple[int, ...]] | None) -> str:
    """How the tensors are stored ("F32", "F16", "int8", or a mix's first); WeightsError on a header that does not fit."""
    kinds = set()
    for name, (dtype, shape) in specs.items():
        if dtype == "I8":
            scale = specs.get(name + SCALE)
            if scale is None or scale[0] not in FLOATS or not shape or scale[1][:-1] != shape[:-1] \
                    or not scale[1][-1] or shape[-1] % scale[1][-1]:
                raise WeightsError(f"{path}: tensor '{name}' is int8 without scales '{name}{SCALE}' of shape "
                                   f"{[*shape[:-1], 'groups']} (groups dividing {shape[-1] if shape else '?'})")
            kinds.add("int8")
        elif dtype in FLOATS:
            if not (name.endswith(SCALE) and specs.get(name[: -len(SCALE)], ("",))[0] == "I8"):
                kinds.add(dtype)
        else:
            raise WeightsError(f"{path}: tensor '{name}' has dtype {dtype}, not one of F32, F16, I8")
    if shapes is not None:
        names = {n for n in specs if not (n.endswith(SCALE) and specs.get(n[: -len(SCALE)], ("",))[0] == "I8")}
        for name in sorted(set(shapes) - names):
            raise WeightsError(f"{path}: tensor '{name}' is missing")
        for name in sorted(names - set(shapes)):
            raise WeightsError(f"{path}: tensor '{name}' is not part of this network")
        for name, want in shapes.items():
            if specs[name][1] != want:
                raise WeightsError(f"{path}: tensor '{name}' has shape {list(specs[name][1])}, the config says {list(want)}")
    return "int8" if "int8" in kinds else ("F16" if "F16" in kinds else "F32")


def read_metadata(path: Path, cap: int = MAX_TENSOR_BYTES) -> dict[str, str]:
    """The str->str metadata in a safetensors file's header (empty if none),
    read without reading a tensor."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    _checked_file(path, cap, "weights file")
    try:
        with safe_open(path, framework="np") as f:
            return dict(f.metadata() or {})
    except SafetensorError as exc:
        raise WeightsError(f"{path}: not a valid safetensors file ({exc})") from None
    except OSError as exc:
        raise WeightsError(f"{path}: cannot read the weights file ({exc.strerror or exc})") from None


def card_json(text: str, where: Path, what: str = "model config") -> object:
    """A card's JSON, bounded: WeightsError naming `where` if it is too long or not JSON."""
    if len(text) > MAX_CONFIG_BYTES:
        raise WeightsError(f"{where}: the {what} is {len(text):,} bytes, more than the {MAX_CONFIG_BYTES:,} allowed")
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise WeightsError(f"{where}: not a valid {what} (not JSON: {str(exc)[:80]})") from None


def read_config(path: Path) -> tuple[Config, Tokenizer, dict]:
    """The config beside weights `path` (the .json of a pair), checked: (sizes, tokenizer, the whole JSON)."""
    cfg_file = config_path(path)
    return check_card(card_json(_read_beside(cfg_file, Path(path)), cfg_file), cfg_file)


def _read_beside(cfg_file: Path, path: Path) -> str:
    """The text of the .json beside weights `path`; WeightsError naming it."""
    try:
        _checked_file(cfg_file, MAX_CONFIG_BYTES, "model config")
    except WeightsError as exc:
        if "not found" in str(exc):
            raise WeightsError(f"{cfg_file}: model config not found (expected beside {path.name})") from None
        raise
    try:
        return cfg_file.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WeightsError(f"{cfg_file}: not a valid model config (not JSON: {str(exc)[:80]})") from None
    except OSError as exc:
        raise WeightsError(f"{cfg_file}: cannot read the model config ({exc.strerror or exc})") from None


def check_card(meta: object, where: Path) -> tuple[Config, Tokenizer, dict]:
    """A card (the config JSON: sizes, vocabulary, ranges...) checked against
    this game; every problem a WeightsError naming `where` and the field."""
    cfg_file = where
    if not isinstance(meta, dict):
        raise WeightsError(f"{cfg_file}: not a valid model config (a {type(meta).__name__}, expected an object)")
    try:
        config = Config.of(meta.get("config"))
    except ConfigError as exc:
        raise WeightsError(f"{cfg_file}: {exc}") from None
    vocab = meta.get("vocab")
    if not isinstance(vocab, list) or not all(isinstance(w, str) for w in vocab):
        raise WeightsError(f"{cfg_file}: vocab: expected a list of words")
    tok = Tokenizer([w for w in vocab if w not in Tokenizer([]).vocab])
    if tok.vocab != vocab:
        raise WeightsError(f"{cfg_file}: vocab: its layout differs from this tokenizer's")
    if len(tok) != config.vocab_size:
        raise WeightsError(f"{cfg_file}: vocab: {len(tok)} words for a model of config.vocab_size {config.vocab_size}")
    roles = N_ROLES if meta.get("template") == SLOTTED else N_ROLES_V3  # v4's rule lines have roles of their own
    for field, need in (("n_segments", N_SEGMENTS), ("n_roles", roles), ("n_args", N_ARGS)):
        if getattr(config, field) < need:
            raise WeightsError(f"{cfg_file}: config.{field}: {getattr(config, field)}, this template's structure "
                               f"has {need} (a model for another template)")
    ranges = meta.get("ranges", {})
    if not isinstance(ranges, dict):
        raise WeightsError(f"{cfg_file}: ranges: expected an object of [low, high] pairs")
    for name, pair in ranges.items():
        if not (isinstance(pair, list) and len(pair) == 2 and all(type(v) is int for v in pair) and pair[0] <= pair[1]):
            raise WeightsError(f"{cfg_file}: ranges.{name}: expected [low, high] integers, got {pair!r:.40}")
    for field in ("name", "template"):
        if field in meta and not isinstance(meta[field], str):
            raise WeightsError(f"{cfg_file}: {field}: expected a text")
    if meta.get("template", VERSION) not in (VERSION, SLOTTED):
        raise WeightsError(f"{cfg_file}: template: the model was trained on template {meta['template']}, this game "
                           f"reads {VERSION} and {SLOTTED}: retrain it (pico-rogue train)")
    return config, tok, meta


def read_card(path: Path) -> tuple[Config, Tokenizer, dict]:
    """The card of weights `path`, checked: the one inside the file (written
    since cards were embedded; the .json beside must then be its copy or
    absent), else the .json beside (a pair written before)."""
    path = Path(path)
    embedded = read_metadata(path).get(CARD)
    if embedded is None:
        return read_config(path)
    config, tok, meta = check_card(card_json(embedded, path), path)
    _check_copy(path, meta)
    return config, tok, meta


def _check_copy(path: Path, meta: dict) -> None:
    """The .json beside weights whose card is inside them is a copy for
    people; one that differs (a save killed between its two renames, or an
    edit that would change nothing) is refused rather than left to mislead."""
    cfg_file = config_path(path)
    if not os.path.lexists(cfg_file):
        return
    try:
        copy = card_json(_read_beside(cfg_file, path), cfg_file)
    except WeightsError:
        copy = None
    if _canonical(copy) != _canonical(meta):
        raise WeightsError(f"{cfg_file}: not the card of {path.name} (it differs from the card inside that file, "
                           f"which is the one that counts: a save cut short, or an edit); remove it or save the "
                           f"weights again")


def _canonical(card: object) -> str:
    """A card as text that equal cards share (compared as text, not as
    objects: a NaN loss in the metrics is not equal to itself)."""
    return json.dumps(card, sort_keys=True)


def read(path: Path | None = None) -> Weights:
    """The weights as float32 numpy arrays with their config; WeightsError on any problem."""
    path = Path(path) if path else BUNDLED
    _checked_file(path, MAX_TENSOR_BYTES, "weights file")
    config, tok, meta = read_card(path)
    tensors, stored = _read_tensors(path, MAX_TENSOR_BYTES, config.shapes())
    return Weights(tensors, config, tok, meta, path, sha256(path), stored)


def write_tensors(path: Path, tensors: dict, metadata: dict[str, str] | None = None) -> None:
    """Write arrays (numpy, or torch tensors: they are converted) as
    safetensors, atomically (game.records.atomic); an error names `path`."""
    from safetensors.numpy import save as serialize

    arrays = {k: np.ascontiguousarray(v.detach().cpu().numpy() if hasattr(v, "detach") else v) for k, v in tensors.items()}
    atomic.write_bytes(Path(path), serialize(arrays, metadata=metadata))


def write(path: Path, tensors: dict[str, np.ndarray], meta: dict) -> None:
    """Write tensors with their card (`meta`: config, vocab, recipe,
    metrics...) inside the one file, renamed into place at once; then the
    card's copy beside it (.json) for people, which `read` holds to it."""
    path = Path(path)
    write_tensors(path, tensors, {CARD: json.dumps(meta)})
    atomic.write_json(config_path(path), meta)


def save(path: Path, model, tok: Tokenizer, meta: dict) -> None:
    """Write a torch PicoModel's weights (fp32) and their config: sizes, vocabulary, recipe, metrics."""
    state = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()}
    write(path, state, {"config": model.config.to_dict(), "vocab": tok.vocab, **meta})


def load(path: Path | None = None):
    """(torch PicoModel in eval mode, its tokenizer, its metadata): for training
    and checking. Playing reads the arrays (`read`) and needs no torch."""
    import torch

    from model.network import PicoModel

    w = read(path)
    model = PicoModel(w.config)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in w.tensors.items()})
    return model.eval(), w.tok, w.meta
