"""The pico model behind the game's Resolver interface, on either runtime:
numpy (the default: play and resolve need nothing else) or torch (checking)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from game.combat.content import Content, default
from game.combat.resolver import Resolution, check_target
from game.combat.template import Prompt
from model import weights
from model.decode import Decoded, Drafter, decode_one
from model.draft import Drafter as TemplateDrafter
from model.errors import UsageError
from model.grammar import target_grammar
from model.guard import Guard, Refusal
from model.trained import Trained, summary

RUNTIMES = ("numpy", "torch")


class ModelResolver:
    """Answers prompts with the network; refuses prompts the template rejects.
    `net` is the network step (pico_numpy.NumpyPico or pico_torch.TorchPico)."""

    name = "pico"

    def __init__(self, w: weights.Weights, net, content: Content | None = None,
                 drafts: Callable[[Prompt, list[int]], Drafter] | None = None):
        self.tok, self.meta, self.config, self.net = w.tok, w.meta, w.config, net
        # makes a drafter for a prompt (parsed, token ids): the template's, which
        # copies prompt values; drafts save network calls, never change an answer
        self.drafts = drafts
        self.content = content or default()
        self.weights_name = w.meta.get("name", w.path.stem)
        self.weights_sha256 = w.sha256
        self.path = w.path
        self.guard = Guard.for_model(w.tok, w.meta, self.content)
        self.learned = Trained.of(w.meta, str(weights.config_path(w.path)))
        # the statuses' order the network learned: a status new to it is refused, so never written
        self.status_order = tuple(s for s in self.content.status_order if s in self.learned.record["order"])
        self.last: Decoded | None = None  # the last answer's decoding (network calls, tokens)

    @property
    def refusing(self) -> str | None:
        """One line on the entries of the content in play the model refuses
        (a pack's new or changed ones), or None when it knows them all."""
        return summary(self.guard.changes)

    @property
    def runtime(self) -> str:
        return self.net.name

    def check(self, prompt: str):
        """(parsed prompt, token ids), or guard.Refusal (a TemplateError)
        naming the field: the input guard, see model/guard.py."""
        return self.guard.check(prompt)

    def decode(self, prompt: str, drafter: Drafter | None = None) -> Decoded:
        """The decoding of a prompt the guard let through (Refusal otherwise),
        with `drafter`, else the resolver's own (`drafts`), if any."""
        parsed, ids = self.check(prompt)
        grammar = target_grammar(parsed, self.tok, self.status_order)
        if drafter is None and self.drafts is not None:
            drafter = self.drafts(parsed, ids)
        return decode_one(self.net, self.tok, ids, grammar, drafter)

    def resolve(self, prompt: str) -> Resolution:
        try:
            self.last = self.decode(prompt)
        except Refusal as exc:
            return Resolution(None, False, str(exc))
        text = self.tok.decode(self.last.ids)
        problem = check_target(text, self.content)
        return Resolution(text, problem is None, problem)


def network(w: weights.Weights, runtime: str = "numpy", threads: int = 1):
    """The network step of `runtime` for weights `w`."""
    if runtime == "numpy":
        from model.pico_numpy import NumpyPico

        return NumpyPico(w.tensors, w.config)
    if runtime == "torch":
        try:
            from model.pico_torch import TorchPico, configure
        except ImportError as exc:
            raise UsageError(f"--runtime torch needs torch, which is not installed ({exc}): "
                             "pip install 'pico-rogue[train]'") from None
        configure(threads)
        return TorchPico.of(w.tensors, w.config)
    raise UsageError(f"unknown runtime {runtime!r} (one of {', '.join(RUNTIMES)})")


def load_resolver(path: Path | None = None, threads: int = 1, runtime: str = "numpy") -> ModelResolver:
    """The bundled model (or `path`) on `runtime`; WeightsError if missing or corrupt."""
    w = weights.read(path)
    content = default()  # the content in play: the bundled content, or what --pack made
    return ModelResolver(w, network(w, runtime, threads), content,
                         drafts=lambda parsed, _ids: TemplateDrafter(parsed, w.tok, content))
