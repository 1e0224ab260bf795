"""The model as the game is handed it: the one place that joins the game to the
model library. The game asks for a `ModelSide` through a loader and never
imports the model itself."""

from __future__ import annotations

import os
from pathlib import Path

from game.world.model_side import ModelSide, model_side


def load_model(weights: Path | None = None, threads: int = 1, runtime: str = "numpy") -> ModelSide:
    """Load the bundled (or given) pico model on `runtime`; never raises: a
    missing model or missing weights make it 'unavailable' and the rules play alone."""
    try:
        from model.resolver import load_resolver
    except ImportError as exc:
        return ModelSide(None, "unavailable", f"the model code is missing ({exc})")
    try:
        resolver = load_resolver(weights, threads=threads, runtime=runtime)
    except Exception as exc:  # noqa: BLE001 - WeightsError and anything else: play on without it
        return ModelSide(None, "unavailable", why_unavailable(exc))
    return model_side(resolver)


def why_unavailable(exc: Exception) -> str:
    """One line for a model that did not load. The model's own errors
    (WeightsError and the rest) and a file's errors already say which file
    and what is wrong: they are shown as they are. Only the unexpected keeps
    its class name, which is then the most telling word."""
    from model.errors import ModelError

    if isinstance(exc, ModelError):
        return str(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{os.fsdecode(exc.filename)}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def weights_problem(path: Path, detail: str) -> str:
    """The line for `--weights PATH` that did not load: the detail alone when
    it names the file already (saying the path twice reads as two errors),
    else after the flag and path."""
    named = str(Path(path).with_suffix(""))  # the weights file, or its card beside it
    return detail if named in detail else f"--weights {path}: {detail}"


def load_deciders(runtime: str = "numpy", paths: dict[str, Path] | None = None):
    """The specialists' registry (model/specialists): nothing is loaded until
    a task is asked. None when the model code is missing."""
    try:
        from model.specialists.registry import Specialists
    except ImportError:
        return None
    return Specialists(runtime=runtime, paths=paths)
