"""Start a v4 network from v3 weights: what it knows of numbers, copying and
the rules' arithmetic carries over; only the names change.

Every tensor of the same shape is copied. The vocabulary-sized tables (token
and field embeddings) are copied row by row where a word is in both
vocabularies; a slot's row starts as the mean of the rows of the names of
its class (an ability slot: the mean of every ability's row), so at step 0
a slot reads as "some ability" and training teaches it to look up its rule.
The role table gains the rule lines' rows, started from the head's."""

from __future__ import annotations

import torch

from game.combat.content import Content, default
from model.network import PicoModel
from model.slots import ABILITY_SLOTS, KIND_SLOTS, STATUS_SLOTS
from model.tokenizer import HEAD, Tokenizer


def widen(old: PicoModel, old_tok: Tokenizer, model: PicoModel, tok: Tokenizer, content: Content | None = None) -> None:
    """Fill `model` (a v4 network, vocabulary `tok`) from `old` (v3, `old_tok`)."""
    content = content or default()
    names = {"ability": list(content.abilities), "status": [s for s in content.statuses if s not in ("guard", "stun")],
             "kind": list(content.monsters)}
    slots = {**{s: "ability" for s in ABILITY_SLOTS}, **{s: "status" for s in STATUS_SLOTS},
             **{s: "kind" for s in KIND_SLOTS}}
    src = old.state_dict()
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            before = src.get(name)
            if name in ("tok.weight", "field.weight"):
                for i, word in enumerate(tok.vocab):
                    if word in old_tok.index:
                        tensor[i] = before[old_tok.index[word]]
                    elif word in slots:
                        rows = [before[old_tok.index[n]] for n in names[slots[word]] if n in old_tok.index]
                        tensor[i] = torch.stack(rows).mean(0) + 0.02 * torch.randn_like(tensor[i])
            elif name == "role.weight":
                tensor[: before.shape[0]] = before
                tensor[before.shape[0]:] = before[HEAD]
            elif before is not None and before.shape == tensor.shape:
                tensor.copy_(before)
            elif before is not None:
                raise ValueError(f"{name}: shape {tuple(before.shape)} in the v3 weights, {tuple(tensor.shape)} here")
