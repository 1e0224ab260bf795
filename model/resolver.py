"""The pico model behind the game's Resolver interface, on either runtime:
numpy (the default: play and resolve need nothing else) or torch (checking)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from game.combat.content import Content, default
from game.combat.resolver import Resolution, check_target
from game.combat.template import TemplateError
from model import weights
from model.decode import Decoded, Drafter, decode_one
from model.draft import Drafter as TemplateDrafter
from model.errors import UsageError
from model.grammar import target_grammar
from model.guard import Guard, Reading, Refusal, outside_rules
from model.trained import Trained, summary

RUNTIMES = ("numpy", "torch")


class ModelResolver:
    """Answers prompts with the network; refuses prompts the template rejects.
    `net` is the network step (pico_numpy.NumpyPico or pico_torch.TorchPico)."""

    name = "pico"

    def __init__(self, w: weights.Weights, net, content: Content | None = None,
                 drafts: Callable[[Reading], Drafter] | None = None):
        self.tok, self.meta, self.config, self.net = w.tok, w.meta, w.config, net
        # makes a drafter for a prompt (parsed, token ids): the template's, which
        # copies prompt values; drafts save network calls, never change an answer
        self.drafts = drafts
        self.content = content or default()
        self.weights_name = w.meta.get("name", w.path.stem)
        self.weights_sha256 = w.sha256
        self.path = w.path
        self.guard = Guard.for_model(w.tok, w.meta, self.content)
        self.template = w.meta.get("template", "v3")
        self.learned = Trained.of(w.meta, str(weights.config_path(w.path))) if self.template == "v3" else None
        # the statuses' order a v3 network learned: a status new to it is refused, so never written
        self.status_order = (tuple(s for s in self.content.status_order if s in self.learned.record["order"])
                             if self.learned else self.content.status_order)
        self.last: Decoded | None = None  # the last answer's decoding (network calls, tokens)

    @property
    def refusing(self) -> str | None:
        """One line on the entries of the content in play the model refuses
        (a pack's new or changed ones), or None when it knows them all."""
        if self.learned is None:  # v4: the rules are read, so only numbers past the trained ranges are refused
            outside = outside_rules(self.content, self.guard.ranges)
            checked = self.meta.get("checked_on", {}).get("digest")
            if outside is None and checked and checked != self.content.digest:
                return (f"the content in play (digest {self.content.digest}) is not the one the model was checked on "
                        f"({checked}); its rules are all inside what it was trained on, so it answers every turn")
            return outside
        return summary(self.guard.changes)

    @property
    def runtime(self) -> str:
        return self.net.name

    def check(self, prompt: str) -> Reading:
        """The prompt as the network reads it (parse, token ids, names bound
        to slots for a v4 model), or guard.Refusal (a TemplateError) naming
        the field: the input guard, see model/guard.py."""
        return self.guard.read(prompt)

    def grammar(self, r: Reading):
        # a v3 model writes only the statuses it learned; a v4 one, those its prompt binds
        return target_grammar(r.parsed, self.tok, r.status_order if r.binding else self.status_order)

    def decode(self, prompt: str, drafter: Drafter | None = None) -> Decoded:
        """The decoding of a prompt the guard let through (Refusal otherwise),
        with `drafter`, else the resolver's own (`drafts`), if any."""
        return self.read_and_decode(prompt, drafter)[1]

    def read_and_decode(self, prompt: str, drafter: Drafter | None = None) -> tuple[Reading, Decoded]:
        """`decode`, with the prompt as the network read it (to put names back)."""
        r = self.check(prompt)
        if drafter is None and self.drafts is not None:
            drafter = self.drafts(r)
        return r, decode_one(self.net, self.tok, r.ids, self.grammar(r), drafter)

    def answer(self, r: Reading, ids: list[int]) -> str:
        """The game's text for decoded ids: the names put back."""
        return r.answer(self.tok.decode(ids))

    def resolve(self, prompt: str) -> Resolution:
        try:
            r, self.last = self.read_and_decode(prompt)
        except Refusal as exc:
            return Resolution(None, False, str(exc))
        try:
            text = self.answer(r, self.last.ids)
        except TemplateError as exc:  # grammar-bound, so only a cut-off answer gets here
            return Resolution(self.tok.decode(self.last.ids), False, str(exc), self.last.sure)
        problem = check_target(text, self.content)
        return Resolution(text, problem is None, problem, self.last.sure)


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
                         drafts=lambda r: TemplateDrafter(r.parsed, w.tok, r.binding.content if r.binding else content))
