"""Content packs: folders of asset files laid over assets/, in order.

A pack holds any of the asset files (FILES). In a file of named entries an
entry whose name is already known replaces that entry whole, and a new name
adds one (at the end: a new status comes last in the canonical order);
hero.yaml and dungeon.yaml are one entry each, which a pack's file replaces
whole. Each entry remembers the file it came from, so an error names the
pack's file and the entry (`packs/frost/monsters.yaml: entry 'wisp': ...`).
A pack is someone else's folder: its files are read within limits
(content_file.py), and a YAML file in it that is not an asset file (a
misspelt `monster.yaml`) is refused rather than silently ignored.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from game.combat import content_file, limits
from game.combat.content_file import ContentError

# files of named entries, in the order they are validated (each may name entries of those before it)
NAMED = ("statuses.yaml", "abilities.yaml", "monsters.yaml", "items.yaml", "classes.yaml")
# files that are one entry each, by the entry's name
WHOLE = {"hero.yaml": "hero", "dungeon.yaml": "dungeon"}
FILES = (*NAMED, *WHOLE)


@dataclass
class Entries:
    """One asset file's entries after every pack: name -> raw value, and
    name -> the file it came from, as an error names it."""

    raw: dict[str, Any] = field(default_factory=dict)
    came_from: dict[str, str] = field(default_factory=dict)


def _entries(path: Path, shown_as: str) -> dict[Any, Any]:
    try:
        raw = content_file.read(path, shown_as)
    except FileNotFoundError:
        raise ContentError(f"{shown_as}: file not found in {path.parent}") from None
    if not isinstance(raw, dict) or not raw:
        raise ContentError(f"{shown_as}: expected a mapping of named entries")
    return raw


def pack_files(pack: Path) -> list[str]:
    """The asset files pack folder `pack` holds; ContentError for a folder
    that is missing, holds none, or holds a YAML file that is not one."""
    try:
        if not pack.is_dir():
            raise ContentError(f"pack {pack}: {'not a folder' if pack.exists() else 'no such folder'}")
        names = []
        with os.scandir(pack) as entries:
            for n, entry in enumerate(entries):
                if n >= limits.PACK_ENTRIES:
                    raise ContentError(f"pack {pack}: more than {limits.PACK_ENTRIES:,} files (the limit for a pack)")
                names.append(entry.name)
    except OSError as exc:
        raise ContentError(f"pack {pack}: cannot read it ({exc.strerror or exc})") from None
    for name in names:
        if name.endswith((".yaml", ".yml")) and name not in FILES:
            near = difflib.get_close_matches(name, FILES, n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'? " if near else ""
            raise ContentError(f"{pack / name}: not an asset file ({hint}a pack holds any of {', '.join(FILES)})")
    held = [f for f in FILES if f in names]
    if not held:
        raise ContentError(f"pack {pack}: holds none of the asset files ({', '.join(FILES)})")
    return held


def gather(folder: Path, packs: Sequence[Path] = ()) -> dict[str, Entries]:
    """Every asset file's entries: `folder`'s (assets/), then each pack's over them, in order."""
    if len(packs) > limits.PACKS:
        raise ContentError(f"{len(packs)} packs: at most {limits.PACKS} at once")
    files = {name: Entries() for name in FILES}
    layers = [(folder, None, list(FILES))] + [(Path(p), Path(p), pack_files(Path(p))) for p in packs]
    for where, pack, names in layers:
        for name in names:
            shown_as = name if pack is None else str(pack / name)
            raw = _entries(where / name, shown_as)
            if name in WHOLE:
                raw = {WHOLE[name]: raw}
            for entry, value in raw.items():
                files[name].raw[entry] = value
                files[name].came_from[entry] = shown_as
    return files
