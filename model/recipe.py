"""Training recipes: the bundled model's, and a quick one to watch a weak
model diverge. A recipe is written into the weights' config."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Recipe:
    name: str
    n_layer: int = 3
    n_head: int = 4
    d_model: int = 128
    d_ff: int = 512
    steps: int = 6000
    batch: int = 48
    lr: float = 3e-3
    min_lr: float = 1e-4
    warmup: int = 200
    weight_decay: float = 0.05
    seed: int = 1
    eval_every: int = 500
    saved_share: float = 0.25  # share of saved battles when --data is given
    wide_share: float = 0.0  # share of overloaded states past what play reaches (robust training)
    focus: str = ""  # comma-separated actions to practise more (the hardest in `eval`'s breakdown)
    focus_share: float = 0.0
    edge_share: float = 0.0  # share of states moved to an edge (game.generate.edge): kills, heals to full, every status
    optimizer: str = "adamw"  # or "muon": Muon on the hidden matrices, AdamW on the rest

    @property
    def focus_actions(self) -> frozenset[str]:
        return frozenset(a for a in self.focus.split(",") if a)

    def to_dict(self) -> dict:
        return asdict(self)

    def but(self, **changes) -> Recipe:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


PRESETS = {
    # the bundled model: `base` from scratch, then `polish` from it (STAGES)
    "base": Recipe("base", n_layer=4, steps=8000, lr=2e-3, warmup=300),
    "quick": Recipe("quick", n_layer=2, steps=800, batch=32, eval_every=200),
    # after `base`, with --init: more practice on the actions eval finds hardest (heals: hp + tick + heal
    # in one number). A wide share of overloaded states here cost clean accuracy (99.65 -> 99.5 %, see README)
    "polish": Recipe("polish", n_layer=4, steps=2400, lr=6e-4, min_lr=2e-5, warmup=100,
                     focus="heal,quaff_heal,poison_strike", focus_share=0.25),
    # with --init: a gentle pass that mixes saved battles half and half with fresh engine data
    "finetune": Recipe("finetune", steps=400, lr=3e-4, min_lr=3e-5, warmup=40, eval_every=200, saved_share=0.5),
}

# A preset made of stages: each later stage starts from the weights of the one
# before (its output under runs/), the last writes the preset's output.
STAGES = {"bundled": ("base", "polish")}
