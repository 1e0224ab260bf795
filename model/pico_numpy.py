"""The network step in numpy: the runtime play, resolve, replay, selfplay and
eval use (like llama2.c's run.c, it needs nothing but the weights).

The same network as `network.PicoModel`, packed once from the weights'
arrays so that a step is a few array operations on preallocated buffers:

- one table holds all six embeddings (token, position, segment, role, field,
  arg); a token's input is the sum of six of its rows, one `take`;
- each LayerNorm's scale and shift are folded into the matrix after it, and
  every bias into an extra matrix row that meets a constant 1 in the input
  buffer, so a linear layer is one `dot` (the attention's 1/sqrt(head size)
  is folded into the query columns the same way);
- keys are cached transposed, (head, head size, position), so the scores of
  new queries are one `matmul` over a slice, and values (head, position,
  head size), so the mix is another;
- the exact (erf) GELU is relu(x) plus an even correction read from a table
  with linear interpolation (spacing 1/1024, error about 1e-7; numpy has no
  erf, and np.interp's search costs 50 times more);
- with `every=False` only the last position goes through the last layer's
  attention and MLP (earlier logits are never read).

Table sizes (segments, roles, fields, args, positions) are the weights'; a
token whose place is outside them is an error, never a read of another
table's row. float32 throughout, like training.
"""

from __future__ import annotations

import ctypes
import math
import threading
from array import array
from pathlib import Path

import numpy as np

from model.config import Config

# GELU(x) = x * Phi(x), Phi read from a table at x = -REACH + k / STEPS with linear interpolation
_STEPS = 1024
_REACH = 10


def _phi_table() -> tuple[np.ndarray, np.ndarray]:
    """(Phi, slope to the next point) at x = -REACH + k / STEPS, float32; flat past the ends."""
    phi = np.array([0.5 * math.erfc(-k / _STEPS / math.sqrt(2)) for k in range(-_REACH * _STEPS, _REACH * _STEPS + 2)])
    slope = np.diff(phi)
    slope[-1] = 0.0
    return phi[:-1].astype(np.float32), slope.astype(np.float32)


_PHI: tuple[np.ndarray, np.ndarray] | None = None  # made with the first NumpyPico


def _gelu(pre: np.ndarray, out: np.ndarray, at: np.ndarray, whole: np.ndarray) -> None:
    """GELU of `pre` into `out`, with `at` and `whole` as work space (all one shape)."""
    phi, slope = _PHI
    np.multiply(pre, float(_STEPS), out=at)
    at += float(_REACH * _STEPS)
    np.floor(at, out=whole)  # the table point before, and the way to the next
    at -= whole
    i = whole.astype(np.intp)
    at *= slope.take(i, mode="clip")  # past either end: the end value, slope 0
    at += phi.take(i, mode="clip")
    np.multiply(at, pre, out=out)


def one_blas_thread() -> None:
    """Put numpy's OpenBLAS on one thread. These matrices are small: with
    two threads on two busy cores a 119-token prompt took 35 ms against 2.9
    with one. OPENBLAS_NUM_THREADS (set by the command line and model/) only
    counts when it is set before numpy loads; this covers numpy loaded
    earlier. Does nothing where numpy's BLAS is another (Accelerate, MKL)."""
    folder = Path(np.__file__).parent
    for lib in [*folder.parent.glob("numpy.libs/*openblas*"), *folder.glob(".dylibs/*openblas*")]:
        try:
            blas = ctypes.CDLL(str(lib))
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_", "openblas_set_num_threads"):
            if hasattr(blas, name):
                getattr(blas, name)(1)
                return


def _prepare() -> None:
    """Once a process, with the first NumpyPico: the GELU table, and OpenBLAS on one thread."""
    global _PHI
    if _PHI is None:
        _PHI = _phi_table()
        one_blas_thread()


class _Scratch:
    """Work buffers for up to `rows` rows; the inputs of linear layers carry a
    last column of ones (the bias row of their matrix)."""

    def __init__(self, c: Config, rows: int):
        d, f = c.d_model, c.d_ff
        self.rows = rows
        self.a = np.empty((rows, d + 1), np.float32)
        self.a[:, d] = 1.0
        self.g = np.empty((rows, f + 1), np.float32)
        self.g[:, f] = 1.0
        self.qkv = np.empty((rows, 3 * d), np.float32)
        self.h = np.empty((rows, f), np.float32)
        self.at = np.empty((rows, f), np.float32)
        self.whole = np.empty((rows, f), np.float32)
        self.t = np.empty((rows, d), np.float32)


class _Row:
    """One token's buffers and their views as the single-token step reads them."""

    def __init__(self, c: Config):
        d, f, h, hd = c.d_model, c.d_ff, c.n_head, c.d_model // c.n_head
        s = _Scratch(c, 1)
        self.a, self.g, self.h, self.at, self.whole, self.t = s.a[0], s.g[0], s.h[0], s.at[0], s.whole[0], s.t[0]
        self.normed, self.act = self.a[:d], self.g[:f]
        qkv = s.qkv[0]
        self.qkv = qkv
        self.q = qkv[:d].reshape(h, 1, hd)
        self.k = qkv[d:2 * d].reshape(h, hd)
        self.v = qkv[2 * d:].reshape(h, hd)
        self.y = self.a[:d].reshape(h, 1, hd)  # the attention's output, the out projection's input


class NumpyCache:
    """Keys and values of every layer for a batch. `length` positions are
    filled; setting it lower rewinds (later positions are overwritten)."""

    def __init__(self, c: Config, batch: int):
        h, hd = c.n_head, c.d_model // c.n_head
        self.batch = batch
        self.kt = [np.empty((batch, h, hd, c.max_len), np.float32) for _ in range(c.n_layer)]
        self.v = [np.empty((batch, h, c.max_len, hd), np.float32) for _ in range(c.n_layer)]
        self.length = 0


def _linear(a: np.ndarray, w: np.ndarray, out: np.ndarray) -> np.ndarray:
    """a @ w into out. Two or three rows go one at a time: OpenBLAS's matrix
    product spends ~10 us packing `w` for so few (measured: 2 rows 7.7 us
    against 4.1 as two vector products; from 4 rows on it wins)."""
    if 1 < len(a) < 4:
        for row, into in zip(a, out, strict=True):
            np.dot(row, w, out=into)
        return out
    return np.dot(a, w, out=out)


class NumpyPico:
    """Decoding steps of the pico network from its weights (name -> fp32 array)."""

    name = "numpy"

    def __init__(self, tensors: dict[str, np.ndarray], config: Config):
        _prepare()
        self.config = c = config
        d, hd = c.d_model, c.d_model // c.n_head
        t = {k: np.asarray(v, np.float64) for k, v in tensors.items()}
        tables = [t[f"{name}.weight"] for name in ("tok", "pos", "segment", "role", "field", "arg")]
        self.table = np.concatenate(tables).astype(np.float32)
        sizes = [len(x) for x in tables]
        self.offsets = np.array([sum(sizes[:k]) for k in range(6)], np.int64)
        self._offsets = [int(o) for o in self.offsets]  # as Python ints: a tuple of numpy ints is slow to index with
        # a place past its table is refused (positions are checked against max_len apart)
        self.limits = np.array([sizes[0], 2**62, *sizes[2:]], np.uint64)
        self.sizes = (sizes[0], *sizes[2:])  # token, segment, role, field, arg
        queries = np.ones(3 * d)
        queries[:d] = 1 / math.sqrt(hd)

        def folded(w, b, norm=None, cols=None) -> np.ndarray:
            """(in + 1, out) float32 for the torch Linear (out, in) `w`, `b`. After a
            LayerNorm (`norm`: its weight and bias) the matrix also takes its scale
            and shift and subtracts the mean of each column, so it can be fed x / std(x)."""
            m = w.T.copy()
            bias = b.copy() if b is not None else np.zeros(m.shape[1])
            if norm is not None:
                gamma, beta = norm
                bias = bias + beta @ m
                m = gamma[:, None] * m
                m -= m.mean(axis=0, keepdims=True)  # (x - mean(x)) @ m == x @ (m - its column means)
            if cols is not None:
                m, bias = m * cols, bias * cols
            return np.vstack([m, bias]).astype(np.float32)

        self.layers = []
        for i in range(c.n_layer):
            p = f"blocks.{i}."
            ln1, ln2 = (t[p + "ln1.weight"], t[p + "ln1.bias"]), (t[p + "ln2.weight"], t[p + "ln2.bias"])
            self.layers.append((folded(t[p + "attn.qkv.weight"], t[p + "attn.qkv.bias"], ln1, queries),
                                folded(t[p + "attn.out.weight"], t[p + "attn.out.bias"]),
                                folded(t[p + "mlp.0.weight"], t[p + "mlp.0.bias"], ln2),
                                folded(t[p + "mlp.2.weight"], t[p + "mlp.2.bias"])))
        self.unembed = folded(t["tok.weight"], None, (t["ln.weight"], t["ln.bias"]))
        self.eps = 1e-5  # nn.LayerNorm's
        self._ones = np.ones(d, np.float32)
        self._local = threading.local()  # work buffers, one set a thread

    def _row(self) -> _Row:
        r = getattr(self._local, "row", None)
        if r is None:
            r = self._local.row = _Row(self.config)
        return r

    def _one(self, cache: NumpyCache, token: int, place: tuple[int, int, int, int]) -> np.ndarray:
        """The step for one token of a batch of one (what decoding mostly runs): the
        same arithmetic as `step` on views made once."""
        pos = cache.length
        if pos >= self.config.max_len:
            raise ValueError(f"sequence of {pos + 1} tokens exceeds the model's {self.config.max_len}")
        s, r, f, a = place
        vt, vs, vr, vf, va = self.sizes
        if not (0 <= token < vt and 0 <= s < vs and 0 <= r < vr and 0 <= f < vf and 0 <= a < va):
            raise ValueError(f"a token's place (token, segment, role, field, arg) = {(token, *place)} "
                             f"is outside the model's tables {self.sizes}")
        o = self._offsets
        x = np.add.reduce(self.table.take((token, o[1] + pos, o[2] + s, o[3] + r, o[4] + f, o[5] + a), axis=0))
        w = self._row()
        d, eps, ones, end = self.config.d_model, self.eps, self._ones, pos + 1
        dot, multiply = np.dot, np.multiply
        for (wqkv, wo, w1, w2), kt, v in zip(self.layers, cache.kt, cache.v, strict=True):
            mean = float(dot(x, ones)) / d
            multiply(x, 1.0 / math.sqrt(max(float(dot(x, x)) / d - mean * mean, 0.0) + eps), out=w.normed)
            dot(w.a, wqkv, out=w.qkv)
            kt = kt[0]
            v = v[0]
            kt[:, :, pos] = w.k
            v[:, pos] = w.v
            scores = np.matmul(w.q, kt[:, :, :end])  # (h, 1, end)
            scores -= np.maximum.reduce(scores, axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            np.matmul(scores, v[:, :end], out=w.y)
            w.y /= np.add.reduce(scores, axis=-1, keepdims=True)
            x += dot(w.a, wo, out=w.t)
            mean = float(dot(x, ones)) / d
            multiply(x, 1.0 / math.sqrt(max(float(dot(x, x)) / d - mean * mean, 0.0) + eps), out=w.normed)
            _gelu(dot(w.a, w1, out=w.h), w.act, w.at, w.whole)
            x += dot(w.g, w2, out=w.t)
        cache.length = end
        mean = float(dot(x, ones)) / d
        multiply(x, 1.0 / math.sqrt(max(float(dot(x, x)) / d - mean * mean, 0.0) + eps), out=w.normed)
        return dot(w.a, self.unembed)[None]

    def n_params(self) -> int:
        return self.config.n_params()

    def cache(self, batch: int = 1) -> NumpyCache:
        return NumpyCache(self.config, batch)

    def _scratch(self, rows: int) -> _Scratch:
        s = getattr(self._local, "scratch", None)
        if s is None or s.rows < rows:
            s = self._local.scratch = _Scratch(self.config, max(rows, 8))
        return s

    def _embed(self, ids: list[list[int]], where: list[list[tuple[int, int, int, int]]], start: int) -> np.ndarray:
        flat = array("q")
        for line, places in zip(ids, where, strict=True):
            for n, (i, (s, r, f, a)) in enumerate(zip(line, places, strict=True)):
                flat.extend((i, start + n, s, r, f, a))
        rows = np.frombuffer(flat, np.int64).reshape(-1, 6)
        inside = rows.view(np.uint64) < self.limits
        if not inside.all():
            bad = rows[~inside.all(axis=1)][0]
            raise ValueError(f"a token's place (token, segment, role, field, arg) = {(*map(int, bad[[0, 2, 3, 4, 5]]),)} "
                             f"is outside the model's tables {self.sizes}")
        return self.table.take(rows + self.offsets, axis=0).sum(axis=1)

    def _scaled(self, x: np.ndarray, out: np.ndarray) -> None:
        """x / std(x) row by row into `out`: the rest of a LayerNorm is in the next matrix."""
        d = self.config.d_model
        if len(x) < 4:  # row by row: fewer array operations for so few (2 rows: 3.7 us against 5.5)
            for row, into in zip(x, out, strict=True):
                mean = float(np.dot(row, self._ones)) / d
                var = float(np.dot(row, row)) / d - mean * mean
                np.multiply(row, 1.0 / math.sqrt(max(var, 0.0) + self.eps), out=into)
            return
        mean = x @ self._ones / d
        var = np.einsum("ij,ij->i", x, x) / d - mean * mean
        np.maximum(var, 0.0, out=var)
        var += self.eps
        np.sqrt(var, out=var)
        np.divide(x, var[:, None], out=out)

    def step(self, cache: NumpyCache, ids: list[list[int]], where: list[list[tuple[int, int, int, int]]],
             every: bool = False) -> np.ndarray:
        """Feed `ids` (batch, n) at `where` (batch, n, 4) after the cached
        tokens. Logits of the last position, (batch, vocab), or with `every`
        of each fed position, (batch, n, vocab)."""
        c = self.config
        b, n = len(ids), len(ids[0])
        if b == 1 and n == 1:
            logits = self._one(cache, ids[0][0], where[0][0])
            return logits[:, None] if every else logits
        start = cache.length
        end = start + n
        if end > c.max_len:
            raise ValueError(f"sequence of {end} tokens exceeds the model's {c.max_len}")
        d, h, hd, f = c.d_model, c.n_head, c.d_model // c.n_head, c.d_ff
        x = self._embed(ids, where, start)  # (b * n, d): the residual stream
        s = self._scratch(b * n)
        rows = b * n
        last = len(self.layers) - 1
        # new tokens see the whole past and each other causally
        mask = np.triu(np.full((n, end), -np.inf, np.float32), start + 1) if n > 1 else None
        for layer, (wqkv, wo, w1, w2) in enumerate(self.layers):
            a = s.a[:rows]
            self._scaled(x, a[:, :d])
            qkv = _linear(a, wqkv, s.qkv[:rows]).reshape(b, n, 3, h, hd)
            kt, v = cache.kt[layer], cache.v[layer]
            kt[..., start:end] = qkv[:, :, 1].transpose(0, 2, 3, 1)
            v[:, :, start:end] = qkv[:, :, 2].transpose(0, 2, 1, 3)
            q = qkv[:, :, 0].transpose(0, 2, 1, 3)  # (b, h, n, hd)
            if layer == last and n > 1 and not every:  # only the last position's logits are read
                q, x, rows, mask = q[:, :, -1:], x.reshape(b, n, d)[:, -1].copy(), b, None
                a = s.a[:rows]
            k = q.shape[2]
            scores = np.matmul(q, kt[..., :end])  # (b, h, k, end)
            if mask is not None:
                scores += mask
            scores -= np.maximum.reduce(scores, axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            total = np.add.reduce(scores, axis=-1, keepdims=True)
            y = a[:, :d].reshape(b, k, h, hd).transpose(0, 2, 1, 3)  # written in place: the out projection's input
            np.matmul(scores, v[:, :, :end], out=y)
            y /= total
            x += _linear(a, wo, s.t[:rows])
            self._scaled(x, a[:, :d])
            g = s.g[:rows]
            _gelu(_linear(a, w1, s.h[:rows]), g[:, :f], s.at[:rows], s.whole[:rows])
            x += _linear(g, w2, s.t[:rows])
        cache.length = end
        a = s.a[:rows]
        self._scaled(x, a[:, :d])
        logits = a @ self.unembed
        return logits.reshape(b, n, -1) if every else logits
