"""The words every record's schema is written in: strict field types, the
two kinds of record model, `written` (a record's dict as its schema declares
it) and `problem` (pydantic's complaint as one line).

Every saved format is a pydantic model in this package. Readers check a file
with it; writers build their dict with `written`, which refuses a key the
model does not declare or one it declares and the writer left out, so adding
a field is an edit to the model and to the one writer, and a writer out of
step with its reader fails at once rather than in a save loaded later. A
field added after a format's files were in players' hands is declared with
`later()`: the writer still passes it, but leaves it out of the file while
it holds its default (what its absence means to a reader), so a file that
needs no new key has exactly the keys it always had.
pydantic, strict: `"version": true` is not 1, `"model": 5` is not a text.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from game.combat import limits

MAX_BONUS = 99  # a stat bonus or a count of potions in a run

Int = Annotated[int, Strict()]
Count = Annotated[int, Strict(), Field(ge=0, le=10**12)]
Small = Annotated[int, Strict(), Field(ge=0, le=MAX_BONUS)]
Bool = Annotated[bool, Strict()]
Text = Annotated[str, Strict(), Field(max_length=limits.TEXT_CHARS)]
Note = Annotated[str, Strict(), Field(max_length=limits.NOTE_CHARS)]
Name = Annotated[str, Strict(), Field(max_length=64)]


class Record(BaseModel):
    """A record a later version may add fields to: those are kept as they
    are, the known ones checked."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Exact(BaseModel):
    """A record whose every field is known (an encounter): nothing else allowed."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def later(default: Any = None, **field: Any) -> Any:
    """A field added to a format later: optional to a reader (absent: `default`),
    and written only when it holds something else."""
    return Field(default, json_schema_extra={"later": True}, **field)


def _later(info: Any) -> bool:
    return isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("later") is True


def written(model: type[BaseModel], /, **values: Any) -> dict:  # positional: a record may have a field `model`
    """The dict a writer saves for `model`: exactly its declared fields, in
    their declared order (the order the files have always had). The values
    are the writer's; the reader's checks are the model's. A `later()` field
    holding its default is left out."""
    fields = model.model_fields
    declared = fields.keys()
    if values.keys() != declared:
        missing = sorted(declared - values.keys())
        unknown = sorted(values.keys() - declared)
        raise TypeError(f"{model.__name__}: the writer is out of step with the record's declaration "
                        f"(missing {missing}, not declared {unknown})")
    return {name: values[name] for name in declared
            if not (_later(fields[name]) and values[name] == fields[name].default)}


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _place(loc: tuple, turns_word: str = "turn") -> str:
    """('turns', 2, 'model') -> "turn 3, 'model'"; ('floor', 'tiles', 4) -> "'floor.tiles[4]'"."""
    parts: list[str] = []
    words: list[str] = []
    loc = list(loc)
    i = 0
    while i < len(loc):
        key = loc[i]
        if key == "turns" and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            prefix = ".".join(words)
            parts.append(f"{prefix + ' ' if prefix else ''}{turns_word} {loc[i + 1] + 1}")
            words = []
            i += 2
            continue
        if isinstance(key, int):
            if words:
                words[-1] += f"[{key}]"
            else:
                words.append(f"[{key}]")
        elif key == "[key]":
            words[-1] += " (the key)"
        else:
            words.append(str(key))
        i += 1
    if words:
        parts.append(f"'{'.'.join(words)}'")
    return ", ".join(parts) or "the record"


def problem(exc: ValidationError) -> str:
    """One line for a pydantic error: where, what, what was there."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    more = len({e["loc"][:-1] if e["type"].endswith("_type") else e["loc"] for e in errors}) - 1
    text = f"{_place(first['loc'])}: {first['msg'][0].lower()}{first['msg'][1:]}"
    if first["type"] not in ("missing", "too_long", "too_short"):
        text += f" (got {short(first['input'])})"
    return text + (f" (and {more} more)" if more > 0 else "")
