"""The network step in torch (`--runtime torch`, for checking the numpy
runtime against the network training wrote): `network.PicoModel`, its
weights packed once for decoding. Same interface as `pico_numpy.NumpyPico`:
`cache(batch)`, `step(cache, ids, where, every=False)` -> numpy logits.

A decoding step feeds one token (or a few grammar-fixed ones) through four
small layers. The matrix work is microseconds; the cost was PyTorch's per-op
and per-module dispatch (~47 module calls a step). So this path makes as few
calls as it can: one gather sums all six embeddings (their tables stacked into
one); each layer's queries, keys and values come out of one `addmm` written
straight into the cache (laid out position-major, so new positions are one
block, and attention reads views of it); matrices are stored transposed for
`addmm`; and, unless `every`, only the last position goes through the last
layer's attention and MLP (earlier logits are never read). CPU and float32,
as the game runs.

The packed weights are a copy: pack again after changing the model's.
"""

from __future__ import annotations

from array import array

import numpy as np
import torch
import torch.nn.functional as F

from model.network import Config, PicoModel


def configure(threads: int = 1) -> None:
    """Torch set up for the game's small steps (once a process)."""
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)  # tiny activations otherwise slow every op (measured: p50 41.8 -> 34.1 ms)
    # oneDNN sets up each small op (a one-row gelu: ~7 us against ATen's ~1.5);
    # nothing the game runs is big enough to repay it (measured: 20.3 -> 17.4 ms a transition)
    torch.backends.mkldnn.enabled = False


class FastCache:
    """Queries, keys and values of every layer for a batch, and how many
    positions are filled (setting `length` lower rewinds)."""

    def __init__(self, config: Config, batch: int):
        h, hd = config.n_head, config.d_model // config.n_head
        # (batch, position, 3 * d_model): each head's key and value, then the
        # query, which only the step that wrote it reads. Never read past
        # `length`, so not zeroed.
        self.qkv = [torch.empty(batch, config.max_len, 3 * config.d_model) for _ in range(config.n_layer)]
        # views as attention reads them: (batch, head, position, head size)
        heads = [t[..., :2 * config.d_model].unflatten(-1, (h, 2 * hd)) for t in self.qkv]
        self.k = [t[..., :hd].transpose(1, 2) for t in heads]
        self.v = [t[..., hd:].transpose(1, 2) for t in heads]
        self.q = [t[..., 2 * config.d_model:].unflatten(-1, (h, hd)).transpose(1, 2) for t in self.qkv]
        self.length = 0


class TorchPico:
    """Decoding steps of a PicoModel."""

    name = "torch"

    @classmethod
    def of(cls, tensors: dict, config: Config) -> TorchPico:
        """From the weights' arrays (name -> fp32 numpy array)."""
        model = PicoModel(config)
        model.load_state_dict({k: torch.from_numpy(v) for k, v in tensors.items()})
        return cls(model.eval())

    def __init__(self, model: PicoModel):
        self.model = model
        c: Config = model.config
        self.config = c
        d, hd = c.d_model, c.d_model // c.n_head
        # the qkv matrix's rows in the order of a cache position: keys and values head by head, then queries
        order = torch.tensor([*(part * d + h * hd + j for h in range(c.n_head) for part in (1, 2) for j in range(hd)),
                              *range(d)])
        with torch.no_grad():
            # one table for tok, pos, segment, role, field, arg: a token's six
            # rows are found by adding each table's offset to its index
            tables = [model.tok, model.pos, model.segment, model.role, model.field, model.arg]
            self.table = torch.cat([t.weight for t in tables])
            self.layers = []
            for b in model.blocks:
                self.layers.append((
                    b.ln1.weight.clone(), b.ln1.bias.clone(),
                    b.attn.qkv.weight[order].T.contiguous(), b.attn.qkv.bias[order],
                    b.attn.out.weight.T.contiguous(), b.attn.out.bias.clone(),
                    b.ln2.weight.clone(), b.ln2.bias.clone(),
                    b.mlp[0].weight.T.contiguous(), b.mlp[0].bias.clone(),
                    b.mlp[2].weight.T.contiguous(), b.mlp[2].bias.clone()))
            self.ln = (model.ln.weight.clone(), model.ln.bias.clone())
            self.unembed = model.tok.weight.T.contiguous()
        sizes = [t.num_embeddings for t in tables]
        self.offsets = [sum(sizes[:k]) for k in range(len(sizes))]
        self.eps = model.ln.eps

    def n_params(self) -> int:
        return self.model.n_params()

    def cache(self, batch: int = 1) -> FastCache:
        return FastCache(self.config, batch)

    def rows(self, ids: list[list[int]], where: list[list[tuple[int, int, int, int]]], start: int) -> torch.Tensor:
        """Each token's six rows of `table`, (batch * n, 6)."""
        _, o1, o2, o3, o4, o5 = self.offsets
        flat = array("q")  # torch.tensor from nested lists costs ~0.1 us an element, this ~0.02
        for line, places in zip(ids, where, strict=True):
            for n, (i, (s, r, f, a)) in enumerate(zip(line, places, strict=True)):
                flat.extend((i, o1 + start + n, o2 + s, o3 + r, o4 + f, o5 + a))
        return torch.frombuffer(flat, dtype=torch.int64).view(-1, 6)

    @torch.inference_mode()
    def step(self, cache: FastCache, ids: list[list[int]], where: list[list[tuple[int, int, int, int]]],
             every: bool = False) -> np.ndarray:
        """Feed `ids` (batch, n) at `where` (batch, n, 4) after the cached
        tokens. Logits of the last position, (batch, vocab), or with `every`
        of each fed position, (batch, n, vocab)."""
        start, n = cache.length, len(ids[0])
        end = start + n
        if end > self.config.max_len:
            raise ValueError(f"sequence of {end} tokens exceeds the model's {self.config.max_len}")
        b, d, eps = len(ids), self.config.d_model, self.eps
        x = F.embedding_bag(self.rows(ids, where, start), self.table, mode="sum")  # (batch * n, d)
        # new tokens see the whole past and each other causally; one new token sees all
        # (additive: SDPA would turn a boolean mask into this in every layer)
        mask = None if n == 1 else torch.full((n, end), float("-inf")).triu_(start + 1)
        last = len(self.layers) - 1
        for layer, (w1, b1, wqkv, bqkv, wo, bo, w2, b2, wf, bf, wp, bp) in enumerate(self.layers):
            a = torch.layer_norm(x, (d,), w1, b1, eps, False)
            slot = cache.qkv[layer].narrow(1, start, n)
            if b == 1:
                torch.addmm(bqkv, a, wqkv, out=slot[0])
            else:
                slot.copy_(torch.addmm(bqkv, a, wqkv).view(slot.shape))
            if layer == last and n > 1 and not every:  # only the last position's logits are read
                x, mask, n = x.view(b, n, d)[:, -1], None, 1
            q = cache.q[layer].narrow(2, end - n, n)
            y = F.scaled_dot_product_attention(q, cache.k[layer].narrow(2, 0, end), cache.v[layer].narrow(2, 0, end),
                                               attn_mask=mask)
            x = x + torch.addmm(bo, y.transpose(1, 2).reshape(b * n, d), wo)
            x = x + torch.addmm(bp, F.gelu(torch.addmm(bf, torch.layer_norm(x, (d,), w2, b2, eps, False), wf)), wp)
        cache.length = end
        if every:
            return (torch.layer_norm(x.view(b, n, d), (d,), *self.ln, eps, False) @ self.unembed).numpy()
        return (torch.layer_norm(x.view(b, n, d)[:, -1], (d,), *self.ln, eps, False) @ self.unembed).numpy()
