"""The model as the game holds it: the loaded resolver with its weights' name,
or why there is none. Loading never raises: without a model the rules play
alone and the screen says so."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from game.combat.resolver import Resolver


@dataclass
class ModelSide:
    """The model as the game holds it: the resolver, or why there is none."""

    resolver: Resolver | None = None
    status: str = "loading"  # loading, ready, unavailable
    detail: str = ""
    weights: dict | None = field(default=None)

    @property
    def ready(self) -> bool:
        return self.resolver is not None

    @property
    def name(self) -> str:
        """The loaded model's name as the screen shows it ('pico', a weights
        file's name), or what stands in its place."""
        if self.ready:
            return self.detail
        return "loading…" if self.status == "loading" else "unavailable"


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


def model_side(resolver: Resolver) -> ModelSide:
    """A ready ModelSide for any resolver (tests pass an EngineResolver)."""
    name = getattr(resolver, "weights_name", None) or resolver.name
    sha = getattr(resolver, "weights_sha256", None) or ""
    return ModelSide(resolver, "ready", name, {"name": name, "sha256": sha})
