"""The pico model behind the game's Resolver interface."""

from __future__ import annotations

from pathlib import Path

import torch

from game.content import Content, default
from game.resolver import Resolution, check_target

from . import weights
from .decode import decode_one
from .fast import FastPico
from .grammar import target_grammar
from .guard import Guard, Refusal
from .network import PicoModel
from .tokenizer import Tokenizer


class ModelResolver:
    """Answers prompts with the network; refuses prompts the template rejects."""

    name = "pico"

    def __init__(self, model: PicoModel, tok: Tokenizer, meta: dict, path: Path, content: Content | None = None):
        self.model, self.tok, self.meta = model, tok, meta
        self.fast = FastPico(model)  # what decoding runs on; packed once
        self.content = content or default()
        self.weights_name = meta.get("name", path.stem)
        self.weights_sha256 = weights.sha256(path)
        self.path = path
        self.guard = Guard.for_model(tok, meta, self.content)

    def check(self, prompt: str):
        """(parsed prompt, token ids), or guard.Refusal (a TemplateError)
        naming the field: the input guard, see model/guard.py."""
        return self.guard.check(prompt)

    def resolve(self, prompt: str) -> Resolution:
        try:
            parsed, ids = self.check(prompt)
        except Refusal as exc:
            return Resolution(None, False, str(exc))
        grammar = target_grammar(parsed, self.tok, self.content.status_order)
        out, _ = decode_one(self.fast, self.tok, ids, grammar)
        text = self.tok.decode(out)
        problem = check_target(text, self.content)
        return Resolution(text, problem is None, problem)


def load_resolver(path: Path | None = None, threads: int = 1) -> ModelResolver:
    """The bundled model (or `path`); WeightsError if missing or corrupt."""
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)  # tiny activations otherwise slow every op (measured: p50 41.8 -> 34.1 ms)
    # oneDNN sets up each small op (a one-row gelu: ~7 us against ATen's ~1.5);
    # nothing the game runs is big enough to repay it (measured: 20.3 -> 17.4 ms a transition)
    torch.backends.mkldnn.enabled = False
    path = Path(path) if path else weights.BUNDLED
    model, tok, meta = weights.load(path)
    return ModelResolver(model, tok, meta, path)
