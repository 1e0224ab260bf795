"""The one interface through which the game asks for a next state.

The game does not care who answers: the rules engine or the pico model. Both
take a prompt text and give back a Resolution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from game.combat.content import Content, default
from game.combat.rules import IllegalAction, resolve
from game.combat.template import Target, TemplateError, parse_prompt, parse_target, serialize_target


@dataclass(frozen=True)
class Resolution:
    """A resolver's answer. `text` is the next-state block (None if refused);
    `valid` says it parsed; `error` says why the prompt was refused or the
    output is unusable. `sure` is a model's margin (decode.Decoded.sure):
    the lowest share it gave its own choice at any decision; None for the
    rules, which are never unsure."""

    text: str | None
    valid: bool
    error: str | None = None
    sure: float | None = None

    @property
    def refused(self) -> bool:
        return self.text is None


class Resolver(Protocol):
    name: str

    def resolve(self, prompt: str) -> Resolution: ...


class EngineResolver:
    """The rules engine: ground truth."""

    name = "engine"

    def __init__(self, content: Content | None = None):
        self.content = content or default()

    def resolve(self, prompt: str) -> Resolution:
        try:
            p = parse_prompt(prompt, self.content)
            outcome, after = resolve(p.encounter, p.action, p.rolls, self.content)
        except (TemplateError, IllegalAction) as exc:
            return Resolution(None, False, str(exc))
        return Resolution(serialize_target(Target.of(outcome, after), p.version), True)


def check_target(text: str, content: Content | None = None) -> str | None:
    """None if `text` parses as a next-state block, else the reason it does not."""
    try:
        parse_target(text, content)
    except TemplateError as exc:
        return str(exc)
    return None
