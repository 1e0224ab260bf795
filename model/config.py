"""The network's sizes, as the weights' JSON config records them, and the
tensors they imply. Torch-free: the numpy runtime, the weights reader and
the torch network all read it.

`Config.of(mapping)` is the one validator of a config read from disk: known
keys only, every size a positive integer under its cap, `n_head` dividing
`d_model`. The caps are far past any pico model (the bundled one is under 1 M
parameters and 512 positions) and keep a hostile config from allocating
gigabytes: a context of 10^9 positions is refused, not tried.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from model.tokenizer import N_ARGS, N_ROLES, N_SEGMENTS

# Largest sizes a config may declare (see the module docstring).
CAPS = {"vocab_size": 65_536, "n_layer": 64, "n_head": 64, "d_model": 4096, "d_ff": 16_384, "max_len": 8192,
        "n_segments": 64, "n_roles": 1024, "n_args": 1024}
MAX_PARAMS = 64_000_000  # 256 MB of fp32: the field note's model was 64 MB
MAX_CACHE_BYTES = 256 * 2**20  # keys and values of one sequence at full length, fp32


class ConfigError(ValueError):
    """A config that cannot describe a pico network; the message names the field."""


@dataclass(frozen=True)
class Config:
    vocab_size: int
    n_layer: int = 3
    n_head: int = 4
    d_model: int = 128
    d_ff: int = 512
    max_len: int = 512
    dropout: float = 0.0
    # structure tables (tokenizer.Structure): prompt/work/block, line roles, numbers within a field
    n_segments: int = N_SEGMENTS
    n_roles: int = N_ROLES
    n_args: int = N_ARGS

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def of(cls, raw: object) -> Config:
        """A validated Config from a JSON mapping; ConfigError naming the field."""
        if not isinstance(raw, dict):
            raise ConfigError(f"'config' is a {type(raw).__name__}, expected an object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(f"config.{unknown[0]}: not a field of the network's config")
        if "vocab_size" not in raw:
            raise ConfigError("config.vocab_size: missing")
        for name, value in raw.items():
            if name == "dropout":
                if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value < 1.0:
                    raise ConfigError(f"config.dropout: {value!r} is not a number in 0..1")
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= CAPS[name]:
                raise ConfigError(f"config.{name}: {value!r} is not an integer in 1..{CAPS[name]}")
        c = cls(**raw)
        if c.d_model % c.n_head:
            raise ConfigError(f"config.n_head: {c.n_head} does not divide d_model {c.d_model}")
        if c.n_params() > MAX_PARAMS:
            raise ConfigError(f"config: {c.n_params():,} parameters, more than the {MAX_PARAMS:,} a pico model may have")
        if c.n_layer * 2 * c.max_len * c.d_model * 4 > MAX_CACHE_BYTES:
            raise ConfigError(f"config.max_len: {c.max_len} positions of {c.n_layer} layers need a cache past "
                              f"{MAX_CACHE_BYTES // 2**20} MB")
        return c

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Every tensor of the network, by its name in the weights file (the
        torch module's state_dict names; a test holds network.py to this)."""
        d, f = self.d_model, self.d_ff
        out: dict[str, tuple[int, ...]] = {
            "tok.weight": (self.vocab_size, d), "pos.weight": (self.max_len, d),
            "segment.weight": (self.n_segments, d), "role.weight": (self.n_roles, d),
            "field.weight": (self.vocab_size, d), "arg.weight": (self.n_args, d),
        }
        for i in range(self.n_layer):
            b = f"blocks.{i}."
            out |= {
                b + "ln1.weight": (d,), b + "ln1.bias": (d,), b + "ln2.weight": (d,), b + "ln2.bias": (d,),
                b + "attn.qkv.weight": (3 * d, d), b + "attn.qkv.bias": (3 * d,),
                b + "attn.out.weight": (d, d), b + "attn.out.bias": (d,),
                b + "mlp.0.weight": (f, d), b + "mlp.0.bias": (f,), b + "mlp.2.weight": (d, f), b + "mlp.2.bias": (d,),
            }
        return out | {"ln.weight": (d,), "ln.bias": (d,)}

    def n_params(self) -> int:
        total = 0
        for shape in self.shapes().values():
            size = 1
            for n in shape:
                size *= n
            total += size
        return total
