"""The pico model: a small decoder-only transformer in plain PyTorch.

Pre-norm blocks of causal self-attention and an MLP, learned positions, tied
input/output embeddings. Each token also gets embeddings of its place in the
template (segment, line role, field word, number within the field; see
`tokenizer.Structure`), so rows and fields line up between prompt and target. `forward` takes an optional KV cache so decoding
feeds only new tokens; several new tokens can be fed at once (the decoder
uses that to pass grammar-fixed tokens without a network call of their own).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from model.config import Config

__all__ = ["Cache", "Config", "PicoModel"]


class Cache:
    """Keys and values of every layer for a batch, preallocated to max_len."""

    def __init__(self, config: Config, batch: int, device: torch.device | str = "cpu", dtype=torch.float32):
        shape = (batch, config.n_head, config.max_len, config.d_model // config.n_head)
        self.k = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(config.n_layer)]
        self.v = [torch.zeros(shape, device=device, dtype=dtype) for _ in range(config.n_layer)]
        self.length = 0


class Attention(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.n_head, self.head = c.n_head, c.d_model // c.n_head
        self.qkv = nn.Linear(c.d_model, 3 * c.d_model)
        self.out = nn.Linear(c.d_model, c.d_model)
        self.dropout = c.dropout

    def forward(self, x: torch.Tensor, cache: Cache | None, layer: int) -> torch.Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.n_head, self.head).permute(2, 0, 3, 1, 4)
        if cache is None:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0.0)
        else:
            start = cache.length
            cache.k[layer][:, :, start:start + n] = k
            cache.v[layer][:, :, start:start + n] = v
            k, v = cache.k[layer][:, :, :start + n], cache.v[layer][:, :, :start + n]
            if n == 1:
                y = F.scaled_dot_product_attention(q, k, v)
            else:  # new tokens see the whole past and each other causally
                mask = torch.ones(n, start + n, dtype=torch.bool, device=x.device).tril(diagonal=start)
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.out(y.transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, c: Config):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(c.d_model), nn.LayerNorm(c.d_model)
        self.attn = Attention(c)
        self.mlp = nn.Sequential(nn.Linear(c.d_model, c.d_ff), nn.GELU(), nn.Linear(c.d_ff, c.d_model))

    def forward(self, x: torch.Tensor, cache: Cache | None, layer: int) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), cache, layer)
        return x + self.mlp(self.ln2(x))


class PicoModel(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        self.tok = nn.Embedding(config.vocab_size, config.d_model)
        self.pos = nn.Embedding(config.max_len, config.d_model)
        self.segment = nn.Embedding(config.n_segments, config.d_model)
        self.role = nn.Embedding(config.n_roles, config.d_model)
        self.field = nn.Embedding(config.vocab_size, config.d_model)
        self.arg = nn.Embedding(config.n_args, config.d_model)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layer))
        self.ln = nn.LayerNorm(config.d_model)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids: torch.Tensor, where: torch.Tensor, cache: Cache | None = None,
                last_only: bool = False) -> torch.Tensor:
        """Logits for every position of `ids` (or only the last, when decoding).
        `where` is (batch, n, 4): each token's segment, role, field, arg."""
        start = cache.length if cache is not None else 0
        n = ids.shape[1]
        if start + n > self.config.max_len:
            raise ValueError(f"sequence of {start + n} tokens exceeds the model's {self.config.max_len}")
        x = (self.tok(ids) + self.pos.weight[start:start + n] + self.segment(where[..., 0]) + self.role(where[..., 1])
             + self.field(where[..., 2]) + self.arg(where[..., 3]))
        for i, block in enumerate(self.blocks):
            x = block(x, cache, i)
        if cache is not None:
            cache.length += n
        if last_only:
            x = x[:, -1:]
        return self.ln(x) @ self.tok.weight.T

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())
