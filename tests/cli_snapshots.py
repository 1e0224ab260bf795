"""Snapshots of the command line's surface (tests/__snapshots__/cli/): files
compared exactly; `PICO_UPDATE_SNAPSHOTS=1` rewrites them (then review the diff)."""

from __future__ import annotations

import os
from pathlib import Path

SNAPSHOTS = Path(__file__).resolve().parent / "__snapshots__" / "cli"
UPDATE = os.environ.get("PICO_UPDATE_SNAPSHOTS") == "1"


def matches_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no snapshot {path}: run with PICO_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(), f"{name} changed (if on purpose: PICO_UPDATE_SNAPSHOTS=1, then review the diff)"


def keys(value, at: str = "") -> set[str]:
    """Every key path in a JSON value: `a.b`, and `a[].c` for the objects in a
    list (a key any of them has is listed)."""
    found = set()
    if isinstance(value, dict):
        for k, v in value.items():
            path = f"{at}.{k}" if at else str(k)
            found |= {path} | keys(v, path)
    elif isinstance(value, list):
        for v in value:
            found |= keys(v, f"{at}[]")
    return found


def key_lines(*values) -> str:
    """The key paths of JSON values, sorted, one a line."""
    return "".join(f"{k}\n" for k in sorted(set().union(*(keys(v) for v in values))))
