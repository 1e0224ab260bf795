"""The network's KV cache: feeding a sequence piece by piece (one token or
several at a time) gives the logits of one full forward pass; decoding with
the cache, without it, and in a batch makes the same decisions."""

from __future__ import annotations

import pytest
import torch
from model_fixtures import fresh_records, untrained

from game.combat.content import default
from game.combat.template import parse_prompt
from model.decode import Uncached, decode_batch, decode_one
from model.grammar import target_grammar
from model.network import Cache
from model.tokenizer import Structure

pytestmark = pytest.mark.usefixtures("one_thread")
ATOL = 1e-4


def sequence(tok, record: dict) -> tuple[torch.Tensor, torch.Tensor]:
    ids = tok.encode(record["prompt"]) + [tok.sep] + tok.encode(record["target"]) + [tok.eos]
    return torch.tensor([ids]), torch.tensor([Structure(tok).of(ids)])


@pytest.mark.parametrize("chunks", [
    [1] * 400,  # one token at a time from the start
    [60, 1, 1, 4, 1, 7, 2, 1, 400],  # a prompt, then single tokens and groups, as decode_one feeds them
])
def test_cached_pieces_give_the_full_forward_logits(chunks):
    model, tok = untrained(seed=1)
    x, w = sequence(tok, fresh_records(1, seed=3, monsters=3)[0])
    with torch.no_grad():
        full = model(x, w)
        cache, pieces, at = Cache(model.config, 1), [], 0
        for n in chunks:
            if at >= x.shape[1]:
                break
            pieces.append(model(x[:, at : at + n], w[:, at : at + n], cache))
            at += n
    assert cache.length == x.shape[1]
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, atol=ATOL, rtol=0)


def test_last_only_and_a_batch_of_two_match_single_full_passes():
    model, tok = untrained(seed=2)
    records = fresh_records(200, seed=4)
    x0, w0 = sequence(tok, records[0])
    other = next(r for r in records[1:] if sequence(tok, r)[0].shape[1] == x0.shape[1] and r != records[0])
    x1, w1 = sequence(tok, other)
    x, w = torch.cat([x0, x1]), torch.cat([w0, w1])
    with torch.no_grad():
        full = torch.cat([model(x0, w0), model(x1, w1)])
        cache = Cache(model.config, 2)
        head = model(x[:, :50], w[:, :50], cache, last_only=True)
        rest = model(x[:, 50:], w[:, 50:], cache)
    assert head.shape == (2, 1, len(tok))
    torch.testing.assert_close(head[:, 0], full[:, 49], atol=ATOL, rtol=0)
    torch.testing.assert_close(rest, full[:, 50:], atol=ATOL, rtol=0)


def test_a_sequence_longer_than_the_model_is_refused():
    model, tok = untrained(seed=0, max_len=16)
    ids = torch.zeros((1, 10), dtype=torch.long)
    where = torch.zeros((1, 10, 4), dtype=torch.long)
    cache = Cache(model.config, 1)
    model(ids, where, cache)
    with pytest.raises(ValueError, match="exceeds"):
        model(ids, where, cache)


def _grammar(tok, record: dict):
    content = default()
    return target_grammar(parse_prompt(record["prompt"], content), tok, content.status_order)


def _open_choices(grammar, ids: list[int]) -> int:
    """How many of `ids` the grammar left to the network (more than one token allowed)."""
    allowed, open_ = next(grammar), 0
    for token in ids:
        open_ += len(allowed) > 1
        try:
            allowed = grammar.send(token)
        except StopIteration:
            break
    return open_


def test_cached_uncached_and_batched_decoding_agree(tiny_model):
    from model.resolver import load_resolver

    resolver = load_resolver(tiny_model.path)
    net, tok = resolver.net, resolver.tok
    records = fresh_records(300, seed=21)
    by_length: dict[int, list[dict]] = {}
    for r in records:
        by_length.setdefault(len(tok.encode(r["prompt"])), []).append(r)
    group = max(by_length.values(), key=len)[:6]
    assert len(group) >= 3
    single = []
    for r in group:
        cached = decode_one(net, tok, tok.encode(r["prompt"]), _grammar(tok, r))
        uncached = decode_one(Uncached(net), tok, tok.encode(r["prompt"]), _grammar(tok, r))
        assert uncached.ids == cached.ids and (uncached.calls, uncached.fed) == (cached.calls, cached.fed)
        assert uncached.sure == pytest.approx(cached.sure, abs=1e-6)  # the same margin, to float rounding
        # grammar-fixed tokens cost no network call of their own: one call per
        # token the grammar left open, none for the rest
        assert 0 < cached.calls == _open_choices(_grammar(tok, r), cached.ids) < len(cached.ids)
        single.append(cached.ids)
    batched = decode_batch(net, tok, [tok.encode(r["prompt"]) for r in group], [_grammar(tok, r) for r in group])
    assert batched == single
