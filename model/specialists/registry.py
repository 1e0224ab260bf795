"""The registry: every specialist the game knows, what each one does, and
the few that are loaded.

A specialist is a weights file with its card (model/weights.py): the same
network, loader and decode loop as the resolver, a task of its own. The
resolver (`pico`, task resolve) answers every combat turn; the deciders
(`advisor`, task advice; `tactician`, task tactics) read the choice prompt
(choice.py) and write an action.

Listing reads the cards only (a file's header, not its tensors). Nothing is
loaded until its task is first asked; `Specialists` keeps the most recently
asked ones, at most `capacity`, and forgets the oldest past that.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from game.combat.content import Content
from game.combat.encounter import Action, Encounter
from game.combat.template import TemplateError
from model import weights
from model.decode import decode_one
from model.errors import ModelError
from model.specialists.choice import choice_prompt
from model.tokenizer import Structure

FOLDER = weights.ASSETS / "specialists"
SURE = 0.0  # how much surer than of the plan's ability an advisor must be to advise otherwise (its card may say)
# how many times a battle an advisor may advise otherwise (its card may say; None: no limit). Its teacher
# valued each action as a change of plan followed by the careful plan; an advisor that changes the plan
# once a battle plays what was valued, and won 26-27.5 % of seed 7's runs where careful won 22 % and the
# same advisor unbounded 21 % (twice a battle: 20.5 %; docs/specialists.md)
DEVIATIONS = 1


@dataclass(frozen=True)
class Entry:
    name: str
    task: str
    file: Path
    does: str  # one line for `pico-rogue specialists`


ENTRIES = (
    Entry("pico", "resolve", weights.BUNDLED, "the next state of every combat turn"),
    Entry("advisor", "advice", FOLDER / "advisor.safetensors", "the hero's action (the `a` key, selfplay --policy advisor)"),
    Entry("tactician", "tactics", FOLDER / "tactician.safetensors", "a monster's action (monsters with style: learned)"),
)
TASKS = {e.task: e for e in ENTRIES}


class SpecialistError(ModelError):
    """A specialist that cannot answer: missing, corrupt, or not for this task."""


def card(entry: Entry) -> dict:
    """What the registry says of one specialist, from its card alone."""
    row = {"name": entry.name, "task": entry.task, "file": str(entry.file), "does": entry.does}
    try:
        config, _, meta = weights.read_card(entry.file)
    except (ModelError, OSError) as exc:
        return row | {"bytes": None, "params": None, "strength": None, "problem": str(exc)}
    return row | {"bytes": entry.file.stat().st_size, "params": config.n_params(), "strength": strength(meta),
                  "reads": "choice prompt (template v4)" if entry.task != "resolve" else f"prompt ({meta.get('template')})",
                  "writes": "ability slot and target" if entry.task != "resolve" else "next-state block"}


def strength(meta: dict) -> dict | None:
    """What a card says its specialist is worth: the figures measured and
    written into it (`strength`; the resolver's: `checked_on`), else the
    held-out agreement its training ended on."""
    if isinstance(meta.get("strength"), dict):
        return meta["strength"]
    checked = meta.get("checked_on", {}).get("eval", {}).get("bundled")
    if isinstance(checked, dict) and "exact_match" in checked:
        return {"exact_match": checked["exact_match"]}
    held = meta.get("metrics", {}).get("held_out_exact")
    return {"held_out_agreement": held} if isinstance(held, float) else None


class Decider:
    """A loaded deciding specialist: a choice prompt in, a usable action out."""

    def __init__(self, entry: Entry, path: Path | None = None, runtime: str = "numpy"):
        from model.resolver import network  # the runtimes live there: numpy (play), torch

        t0 = time.perf_counter()
        self.entry = entry
        self.weights = weights.read(path or entry.file)
        task = self.weights.meta.get("task", "resolve")
        if task != entry.task:
            raise SpecialistError(f"{self.weights.path}: a {task} model, not a {entry.task} one")
        self.net = network(self.weights, runtime)
        self.tok = self.weights.tok
        sure = self.weights.meta.get("sure", SURE)
        self.sure = float(sure) if isinstance(sure, int | float) else SURE
        deviations = self.weights.meta.get("deviations", DEVIATIONS)  # null on a card: no limit
        counted = isinstance(deviations, int) and not isinstance(deviations, bool) and deviations >= 0
        self.deviations: int | None = deviations if deviations is None or counted else DEVIATIONS
        self.load_ms = (time.perf_counter() - t0) * 1000

    def choose(self, encounter: Encounter, actions: list[Action], content: Content,
               plan: Action | None = None, spent: int = 0) -> Action:
        """The specialist's pick among `actions` (which must not be empty),
        the script's `plan` shown to it when it has one (the advisor's);
        `spent`: the times it has advised otherwise in this battle."""
        if len(actions) == 1:
            return actions[0]
        if plan is not None and plan in actions and self.deviations is not None and spent >= self.deviations:
            return plan
        cp = choice_prompt(encounter, actions, content, plan)
        ids = self.tok.encode(cp.text)
        if len(ids) + 4 > self.net.config.max_len:
            raise SpecialistError(f"{self.entry.name}: a prompt of {len(ids)} tokens, past its {self.net.config.max_len}")
        if plan is not None and plan in actions:
            return self._against(cp, ids, plan)
        out = decode_one(self.net, self.tok, ids, cp.grammar(self.tok)).ids
        return cp.action(self.tok.decode(out))

    def _against(self, cp, ids: list[int], plan: Action) -> Action:
        """With the script's plan: keep it unless the network is surer of
        another ability by more than `sure` (its probabilities over the
        usable abilities), then that ability's best target. The same
        decode loop's pieces, one network call a decision (two to aim)."""
        tok, structure = self.tok, Structure(self.tok)
        grammar = cp.grammar(tok)
        allowed = sorted(next(grammar))
        cache = self.net.cache()
        fed = [*ids, tok.sep]
        logits = self.net.step(cache, [fed], [structure.of(fed)])[0]
        probs = np.exp(logits[allowed] - logits[allowed].max())
        probs /= probs.sum()
        chosen = allowed[int(np.argmax(probs))]
        planned = tok.index[cp.binding.abilities[plan.ability]]
        if chosen == planned or probs.max() - probs[allowed.index(planned)] < self.sure:
            return plan
        targets = sorted(grammar.send(chosen))
        if len(targets) > 1:
            logits = self.net.step(cache, [[chosen]], [structure.of([chosen])])[0]
            targets = [max(targets, key=lambda t: logits[t])]
        return cp.action(tok.decode([chosen, targets[0]]))


class Specialists:
    """The deciders, each loaded the first time its task is asked; at most
    `capacity` kept, the least recently asked forgotten first."""

    def __init__(self, capacity: int = 2, runtime: str = "numpy", paths: dict[str, Path] | None = None):
        self.capacity = capacity
        self.runtime = runtime
        self.paths = paths or {}
        self._loaded: OrderedDict[str, Decider] = OrderedDict()

    def get(self, task: str) -> Decider:
        if task not in TASKS or task == "resolve":
            raise SpecialistError(f"no deciding specialist for task {task!r}")
        if task in self._loaded:
            self._loaded.move_to_end(task)
            return self._loaded[task]
        decider = Decider(TASKS[task], self.paths.get(task), self.runtime)
        self._loaded[task] = decider
        while len(self._loaded) > self.capacity:
            self._loaded.popitem(last=False)
        return decider

    @property
    def loaded(self) -> list[str]:
        return list(self._loaded)

    def choose(self, task: str, encounter: Encounter, actions: list[Action], content: Content,
               plan: Action | None = None, spent: int = 0) -> Action:
        try:
            return self.get(task).choose(encounter, actions, content, plan, spent)
        except TemplateError as exc:  # more names than slots: said, not crashed
            raise SpecialistError(f"{TASKS[task].name}: {exc}") from None
