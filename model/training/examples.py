"""Examples from --data (battle saves, JSONL) checked before they are used:
each prompt and target must parse, and the rules engine, resolving the
prompt again, must give the target (a disagreement is a possible poisoning,
or a battle saved under other rules). What is skipped is counted with its
reasons and reported. A battle save played with other content than the
one in play (its packs' digest, game/combat/content.py) is skipped whole,
under a reason naming its packs, before any of its turns is resolved: the
engine would disagree with it where nothing is wrong. No torch here: `eval` reads data without it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from game.combat.resolver import EngineResolver
from game.combat.template import VERSION, TemplateError, current, parse_prompt, parse_target
from game.records.battle import PlayedWith
from game.records.examples import Example, Examples, load_examples
from game.records.files import RecordError
from model.errors import ModelError


class DataError(ModelError):
    """A data file that cannot be used; the message names it."""


NOT_PARSED = "prompts that do not parse"
REFUSED = "prompts the rules refuse (an illegal action)"
BAD_TARGET = "targets that do not parse"
DISAGREES = "targets the rules engine disagrees with (possible poisoning, or saved under other rules)"
TOO_LONG = "examples longer than the model's context"


def other_content(packs: tuple[str, ...]) -> str:
    """The reason a battle save's turns are skipped when it was played with `packs`' content, not the one in play."""
    return f"turns played under other content ({PlayedWith.words(packs)})"


@dataclass
class Vetted:
    """The examples of --data that the engine accepts, and what was skipped."""

    kept: list[Example] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)
    first: dict[str, str] = field(default_factory=dict)
    files: int = 0
    converted: int = 0  # examples of an older template, read and written again in this one

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(e.prompt, e.target) for e in self.kept]

    def skip(self, reason: str, where: str) -> None:
        self.skipped[reason] += 1
        self.first.setdefault(reason, where)

    def only(self, fits: Callable[[str, str], bool], reason: str) -> Vetted:
        """The examples that `fits`; the others skipped for `reason`."""
        out = Vetted(skipped=Counter(self.skipped), first=dict(self.first), files=self.files, converted=self.converted)
        for e in self.kept:
            if fits(e.prompt, e.target):
                out.kept.append(e)
            else:
                out.skip(reason, e.where)
        return out

    def summary(self) -> str:
        """One line: what was kept, what was skipped and why (the first of each)."""
        files = f"{self.files:,} file{'s' if self.files != 1 else ''}"
        text = f"kept {len(self.kept):,} examples from {files}"
        if self.converted:
            text += f" ({self.converted:,} written in an older template, converted to {VERSION} by the rules engine)"
        if self.skipped:
            reasons = "; ".join(f"{n:,} {reason} (first: {self.first[reason]})" for reason, n in self.skipped.most_common())
            text += f"; skipped {sum(self.skipped.values()):,}: {reasons}"
        return text


def vet(found: Examples) -> Vetted:
    """Keep the examples whose prompt and target parse and whose target is
    the engine's own answer. One of an older template (a v1 battle save: the
    same prompt under another tag, the block alone as its target) is kept
    in this template's words: its prompt retagged and its target the engine's
    answer, work and all, once the engine agrees with the old one."""
    out = Vetted(skipped=Counter(found.skipped), first=dict(found.first), files=found.files)
    engine = EngineResolver()
    for e in found.kept:
        if e.played_with is not None and e.played_with.differs(engine.content):
            out.skip(other_content(e.played_with.packs),
                     f"{e.where}: played with content {e.played_with.digest}, in play {engine.content.digest}")
            continue
        try:
            p = parse_prompt(e.prompt, engine.content)
        except TemplateError as exc:
            out.skip(NOT_PARSED, f"{e.where}: {exc}")
            continue
        answer = engine.resolve(e.prompt)
        if answer.text is None:
            out.skip(REFUSED, f"{e.where}: {answer.error}")
            continue
        if answer.text != e.target:
            try:
                parse_target(e.target, engine.content)
            except TemplateError as exc:
                out.skip(BAD_TARGET, f"{e.where}: {exc}")
            else:
                out.skip(DISAGREES, e.where)
            continue
        if p.version != VERSION:
            prompt = current(e.prompt, engine.content)
            e = replace(e, prompt=prompt, target=engine.resolve(prompt).text)
            out.converted += 1
        out.kept.append(e)
    return out


def read_examples(paths: list[Path]) -> Vetted:
    """The usable examples of --data (battle saves, JSONL files, folders of
    them); DataError if a path is missing or nothing usable is there."""
    try:
        found = load_examples(paths)
    except RecordError as exc:
        raise DataError(str(exc)) from None
    vetted = vet(found)
    if paths and not vetted.kept:
        where = ", ".join(map(str, paths))
        if not found.files or not (found.kept or found.skipped):
            raise DataError(f"--data: no battles or examples found in {where}")
        raise DataError(f"--data {where}: no usable examples; {vetted.summary()}")
    return vetted


