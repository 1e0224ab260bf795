"""The model as the game is handed it: the one place that joins the game to the
model library. The game asks for a `ModelSide` through a loader and never
imports the model itself."""

from __future__ import annotations

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
        return ModelSide(None, "unavailable", f"{type(exc).__name__}: {exc}")
    return model_side(resolver)
