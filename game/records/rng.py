"""A random.Random's state as JSON, for the suspended run and its battle:
`[version, 625 words, gauss]`, the schema that checks it, and the way back."""

from __future__ import annotations

import random
from typing import Annotated, Literal

from pydantic import Field, Strict

Word32 = Annotated[int, Strict(), Field(ge=0, le=2**32 - 1)]
RngRecord = tuple[Literal[3], Annotated[list[Word32], Field(min_length=625, max_length=625)], Annotated[float, Strict()] | None]


def rng_state(rng: random.Random) -> list:
    """A random.Random's state as JSON: [version, 625 words, gauss]."""
    version, state, gauss = rng.getstate()
    return [version, list(state), gauss]


def rng_from(value: list) -> tuple:
    """The state for random.Random.setstate from `rng_state`'s form; checked
    by RngRecord in a record, and here for what setstate itself needs."""
    version, state, gauss = value
    if state[-1] > 624:
        raise ValueError(f"random state: position {state[-1]} past 624")
    return (version, tuple(state), gauss)
