"""Training recipes: the bundled model's, and a quick one to watch a weak
model diverge. A recipe is written into the weights' config."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from model.config import Config

# The network's sizes a recipe chooses. Config owns them (their defaults here,
# their caps in config.CAPS, the rule that n_head divides d_model); a recipe
# names them so `--set d_model=64` reads as a recipe field, and builds its
# Config with `config()` rather than restating any of that.
SIZES = ("n_layer", "n_head", "d_model", "d_ff")
_NETWORK = {f.name: f.default for f in fields(Config) if f.name in SIZES}


@dataclass(frozen=True)
class Recipe:
    name: str
    n_layer: int = _NETWORK["n_layer"]
    n_head: int = _NETWORK["n_head"]
    d_model: int = _NETWORK["d_model"]
    d_ff: int = _NETWORK["d_ff"]
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
    edge_share: float = 0.0  # share of states moved to an edge (game.world.generate.edge): kills, heals to full, every status
    optimizer: str = "adamw"  # or "muon": Muon on the hidden matrices, AdamW on the rest
    template: str = "v3"  # or "v4": the rules in the prompt, names as slots, trained on drawn rules (model/slots.py)
    # resolve: the next state (the pico model); advice, tactics: a deciding specialist distilled from
    # the teacher's labels (model/training/teach.py) over `teacher_runs` runs of the game
    task: str = "resolve"
    teacher_runs: int = 0
    near: float = 0.0  # a specialist also learns every action within this of the best one's value (teach.pairs)
    rollouts: int = 24  # the teacher's futures per action: at 24 its choices are half noise (docs/specialists.md)
    asks: float = 0.0  # advice: the careful hero plays, the search asked where the hp is under this share or it mends (teach)
    soft: float = 0.0  # advice: each label spread over its actions by value (softmax over this; teach.pairs), 0: one label

    @property
    def focus_actions(self) -> frozenset[str]:
        return frozenset(a for a in self.focus.split(",") if a)

    def to_dict(self) -> dict:
        return asdict(self)

    def but(self, **changes) -> Recipe:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def config(self, vocab_size: int) -> Config:
        """The network this recipe trains (unchecked: settings.check_recipe checks it)."""
        return Config(vocab_size, **{k: getattr(self, k) for k in SIZES})

    def sized_as(self, config: Config) -> Recipe:
        """This recipe with the sizes of an existing network (fine-tuning starts from one)."""
        return replace(self, **{k: getattr(config, k) for k in SIZES})


PRESETS = {
    # the bundled model, from scratch in about 45 minutes on 2 CPU cores. Muon reached 82 % held-out exact
    # at 1,000 steps where AdamW had 53 % (same data, same lr); a tenth of the states at the rules' edges
    "bundled": Recipe("bundled", n_layer=4, steps=5500, lr=2e-3, warmup=300, optimizer="muon", edge_share=0.1),
    # template v4, from the bundled v3 weights (--init assets/pico.safetensors): rules drawn afresh for every
    # 64 transitions, so what is learnt is reading the rule lines
    "rules": Recipe("rules", n_layer=4, steps=3000, lr=1e-3, warmup=150, optimizer="muon", edge_share=0.1,
                    template="v4"),
    # the specialists (model/specialists): a few hundred kilobytes each, distilled from the search's
    # choices in real runs; labelling and training from scratch within 45 minutes on 2 CPU cores
    "advice": Recipe("advice", n_layer=2, n_head=4, d_model=64, d_ff=256, steps=3000, batch=64, lr=2e-3,
                     warmup=100, eval_every=250, optimizer="muon", template="v4", task="advice", teacher_runs=80, near=0.04,
                     rollouts=96),
    "tactics": Recipe("tactics", n_layer=2, n_head=4, d_model=64, d_ff=256, steps=3000, batch=64, lr=2e-3,
                      warmup=100, eval_every=250, optimizer="muon", template="v4", task="tactics", teacher_runs=360,
                      near=0.02),
    "quick": Recipe("quick", n_layer=2, steps=800, batch=32, eval_every=200, optimizer="muon"),
    # with --init: a gentle pass that mixes saved battles half and half with fresh engine data
    "finetune": Recipe("finetune", steps=400, lr=3e-4, min_lr=3e-5, warmup=40, eval_every=200, saved_share=0.5,
                       optimizer="muon"),
}
