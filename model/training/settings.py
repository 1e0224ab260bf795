"""What `train` accepts: a recipe's fields (a preset's, changed by `--set`
and `--steps`) and the run's own settings (`--minutes`, `--workers`), each
checked with one clear line before anything is built. Without these checks
`batch=0` divides by zero, `n_head=3` fails deep in the network, `lr=nan`
trains garbage with exit 0 and `batch=100000` eats the machine.
"""

from __future__ import annotations

import dataclasses
import math

from game.combat import limits
from model.config import CAPS, Config, ConfigError
from model.training.recipe import SIZES, Recipe

# inclusive ranges of the recipe's numeric fields: far past any useful
# value, short of what would exhaust a laptop or make no sense. The network's
# sizes are not here: Config.of checks them (config.CAPS, n_head dividing
# d_model, the parameter and cache caps), the same check that reading the
# weights makes, so a run never trains weights it could not read back.
RANGES: dict[str, tuple[float, float]] = {
    "steps": (1, limits.COUNTS["train --steps"][1]),
    "batch": (1, limits.BATCH),
    "lr": (1e-12, 10.0),
    "min_lr": (0.0, 10.0),
    "warmup": (0, limits.COUNTS["train --steps"][1]),
    "weight_decay": (0.0, 10.0),
    "seed": (0, 2**31 - 1),  # the data seed is seed << 20
    "eval_every": (1, limits.COUNTS["train --steps"][1]),
    "saved_share": (0.0, 1.0),
    "wide_share": (0.0, 1.0),
    "focus_share": (0.0, 1.0),
    "edge_share": (0.0, 1.0),
    "teacher_runs": (0, 100_000),
    "near": (0.0, 2.0),
    "rollouts": (1, 10_000),
    "soft": (0.0, 1.0),
    "asks": (0.0, 1.0),
}
OPTIMIZERS = ("adamw", "muon")
TEMPLATES = ("v3", "v4")  # v4: model/slots.py
TASKS = ("resolve", "advice", "tactics")  # model/specialists


class SettingsError(ValueError):
    """A training setting out of its range; one line naming it."""


def overrides(pairs: list[str]) -> dict:
    """`--set batch=256 lr=3e-3`: recipe fields, typed like the recipe's."""
    fields = {f.name: type(f.default) for f in dataclasses.fields(Recipe) if f.name != "name"}
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in fields or not value:
            raise SettingsError(f"--set {pair!r}: expected FIELD=VALUE with FIELD one of {', '.join(fields)}")
        kind = fields[key]
        if kind in (int, float) and len(value) > limits.DIGITS + 8:
            raise SettingsError(f"--set {pair!r}: {len(value):,} characters is no number here")
        try:
            out[key] = kind(value)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise SettingsError(f"--set {pair!r}: {value!r} is not {what}") from None
    return out


def check_recipe(r: Recipe, vocab_size: int | None = None) -> Recipe:
    """The recipe, if every field is in range and its network is one that
    Config.of accepts (for this game's vocabulary unless `vocab_size`)."""
    for name, (lo, hi) in RANGES.items():
        value = getattr(r, name, None)
        if value is None:
            continue  # a field a later recipe dropped
        if isinstance(value, float) and not math.isfinite(value):
            raise SettingsError(f"{name}={value}: must be a finite number")
        if not lo <= value <= hi:
            raise SettingsError(f"{name}={value}: must be from {_number(lo)} to {_number(hi)}")
    if r.optimizer not in OPTIMIZERS:
        raise SettingsError(f"optimizer={r.optimizer}: must be one of {', '.join(OPTIMIZERS)}")
    if r.template not in TEMPLATES:
        raise SettingsError(f"template={r.template}: must be one of {', '.join(TEMPLATES)}")
    if r.task not in TASKS:
        raise SettingsError(f"task={r.task}: must be one of {', '.join(TASKS)}")
    if r.task != "resolve" and r.template != "v4":
        raise SettingsError(f"task={r.task}: a specialist reads the v4 choice prompt (template=v4)")
    for name in ("asks", "soft"):  # both read the careful hero's plan, which only the advisor's labels have
        if getattr(r, name) and r.task != "advice":
            raise SettingsError(f"{name}={getattr(r, name)}: only for task=advice (the labels with the script's plan)")
    _check_sizes(r, vocab_size)
    if r.min_lr > r.lr:
        raise SettingsError(f"min_lr={r.min_lr}: must not be above lr ({r.lr})")
    return r


def _check_sizes(r: Recipe, vocab_size: int | None) -> None:
    """The recipe's network, within config.CAPS and checked by Config.of,
    the one validator of a Config (said in a setting's words)."""
    for name in SIZES:
        value = getattr(r, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= CAPS[name]:
            raise SettingsError(f"{name}={value}: must be a whole number from 1 to {_number(CAPS[name])}")
    if r.d_model % r.n_head:
        raise SettingsError(f"d_model={r.d_model}: must be a multiple of n_head ({r.n_head})")
    if vocab_size is None:
        from model.tokenizer import Tokenizer

        vocab_size = len(Tokenizer.for_content())
    try:
        Config.of(r.config(vocab_size).to_dict())
    except ConfigError as exc:  # the parameter and cache caps
        sizes = " ".join(f"{k}={getattr(r, k)}" for k in SIZES)
        raise SettingsError(f"{sizes}: {str(exc).removeprefix('config: ').removeprefix('config.')}") from None


def check_minutes(minutes: float | None) -> float | None:
    if minutes is None:
        return None
    if not math.isfinite(minutes) or not 0 < minutes <= limits.TRAIN_MINUTES:
        raise SettingsError(f"--minutes {minutes}: must be more than 0 and at most {limits.TRAIN_MINUTES:,.0f} (a week)")
    return minutes


def check_workers(workers: int) -> int:
    lo, hi = limits.COUNTS["train --workers"]
    if isinstance(workers, bool) or not isinstance(workers, int) or not lo <= workers <= hi:
        raise SettingsError(f"--workers {workers}: must be a whole number from {lo} to {hi}")
    return workers


def _number(x: float) -> str:
    return f"{x:,}" if float(x).is_integer() and abs(x) >= 1 else f"{x:g}"
