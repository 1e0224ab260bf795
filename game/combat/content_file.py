"""One content YAML file, read as untrusted input.

Content comes from assets/ and from packs, which players share, so a file is
read the way every other input is: its size checked before a byte is read,
then its YAML events counted before anything is built. A file is refused,
with one line naming it (and its entry where there is one), when it

- is past limits.CONTENT_BYTES, or not UTF-8;
- uses an alias (`*name`) or a merge key: content never needs one, and
  aliases nested in aliases are how a 1 KB file becomes billions of values
  (the "billion laughs"), which YAML builds or prints only by expanding them;
- holds more than limits.CONTENT_NODES values, or nests past
  limits.CONTENT_DEPTH;
- names the same key twice in one mapping (a second `rat:` would silently
  replace the first).
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

import yaml

from game.combat import limits

# libyaml when it is there (fast, and its events cost no Python objects), pure Python otherwise
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentError(Exception):
    """A game-content file is missing, unreadable or wrong."""


# What an error message shows of a value: its first characters, whatever its size
_SHOWN = reprlib.Repr()
_SHOWN.maxstring, _SHOWN.maxother, _SHOWN.maxlist, _SHOWN.maxdict, _SHOWN.maxlevel = 40, 40, 6, 6, 3


def shown(value: Any) -> str:
    """`value` as an error message shows it: a repr cut to a few dozen characters."""
    return _SHOWN.repr(value)


def _line(mark: Any) -> str:
    return f" at line {mark.line + 1}" if mark is not None else ""


def _count_events(text: str, shown_as: str) -> None:
    """Walk the YAML's events (nothing is built yet) and refuse aliases, too
    many values and too deep a nesting, before a single node exists."""
    values, depth = 0, 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            raise ContentError(f"{shown_as}: an alias (*{shown(event.anchor)[1:-1]}){_line(event.start_mark)}: "
                               "content files may not use anchors and aliases")
        if isinstance(event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            values += 1
            if values > limits.CONTENT_NODES:
                raise ContentError(f"{shown_as}: more than {limits.CONTENT_NODES:,} values (the limit for a content file)")
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > limits.CONTENT_DEPTH:
                raise ContentError(f"{shown_as}: nested more than {limits.CONTENT_DEPTH} deep{_line(event.start_mark)}")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _no_twice(node: yaml.Node, shown_as: str, entry: str | None = None) -> None:
    """Refuse a mapping that names a key twice, naming the entry it is in."""
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _no_twice(item, shown_as, entry)
    elif isinstance(node, yaml.MappingNode):
        first: dict[str, Any] = {}
        for key, value in node.value:
            if key.tag == "tag:yaml.org,2002:merge":
                raise ContentError(f"{shown_as}: a merge key (<<){_line(key.start_mark)}: content files may not use one")
            if isinstance(key, yaml.ScalarNode):
                name = shown(key.value)
                if key.value in first:
                    where = f"entry {name}" if entry is None else f"entry '{entry}': field {name}"
                    raise ContentError(f"{shown_as}: {where} appears twice (line {first[key.value].line + 1} "
                                       f"and line {key.start_mark.line + 1})")
                first[key.value] = key.start_mark
            inner = key.value if entry is None and isinstance(key, yaml.ScalarNode) else entry
            _no_twice(value, shown_as, inner)


def parse(text: str, shown_as: str) -> Any:
    """The value a content file's text holds; ContentError naming `shown_as`."""
    try:
        _count_events(text, shown_as)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _no_twice(node, shown_as)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except RecursionError:
        raise ContentError(f"{shown_as}: not valid YAML: nested too deeply") from None
    except ValueError as exc:  # a number of thousands of digits: int() refuses it
        raise ContentError(f"{shown_as}: not valid YAML: {str(exc).split(';')[0][:120]}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        raise ContentError(f"{shown_as}: not valid YAML{_line(where)}: {getattr(exc, 'problem', None) or exc}") from None


def read(path: Path, shown_as: str) -> Any:
    """The value content file `path` holds, read within limits; ContentError
    naming `shown_as` (the file as the player knows it: `monsters.yaml`, or
    `packs/frost/monsters.yaml`) on any problem, FileNotFoundError if absent."""
    try:
        text = limits.read_text(path, limits.CONTENT_BYTES, "content file")
    except FileNotFoundError:
        raise
    except limits.LimitError as exc:
        raise ContentError(f"{shown_as}: {str(exc).removeprefix(f'{path}: ')}") from None
    except OSError as exc:
        raise ContentError(f"{shown_as}: cannot read it ({exc.strerror or exc})") from None
    return parse(text, shown_as)
