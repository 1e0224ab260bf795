"""The model as the game holds it: the loaded resolver with its weights' name,
or why there is none. The command line loads it (cli/loading.py) and hands
the game a loader; without a model the rules play alone and the screen says so."""

from __future__ import annotations

from dataclasses import dataclass, field

from game.combat.resolver import Resolver


@dataclass
class ModelSide:
    """The model as the game holds it: the resolver, or why there is none."""

    resolver: Resolver | None = None
    status: str = "loading"  # loading, ready, unavailable
    detail: str = ""
    weights: dict | None = field(default=None)
    note: str = ""  # what the model will refuse of the content in play (a pack's new or changed entries)

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


def model_side(resolver: Resolver) -> ModelSide:
    """A ready ModelSide for any resolver (tests pass an EngineResolver)."""
    name = getattr(resolver, "weights_name", None) or resolver.name
    sha = getattr(resolver, "weights_sha256", None) or ""
    note = getattr(resolver, "refusing", None) or ""
    return ModelSide(resolver, "ready", name, {"name": name, "sha256": sha}, note)
