"""Head distances of a decoder (SPEC section 11): rows i >= 1, each smoothed over its i + 1
visible tokens, JS over the visible entries; sliced batches (per-layer extraction) give the
same sums as whole ones."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon

from generator.analyses.distances import (
    HeadDistances,
    choose_halves,
    choose_rows,
    pairwise_js_sums,
    sampled_entries,
    segment_halves,
)
from tests.unit.analyses.batches import make_batch
from tests.unit.analyses.causal import decoder_context, layer_slices, random_causal_maps


def entropy(p: list[float]) -> float:
    return -sum(x * math.log(x) for x in p)


def words(n: int) -> list[int]:
    return [1] * n  # roles do not matter to distances


def test_three_token_causal_maps_by_hand():
    # One layer, two heads over 3 tokens; row 0 sees only itself and is left out.
    head0 = torch.tensor([[1.0, 0, 0], [1.0, 0, 0], [0, 0, 1.0]])
    head1 = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [0.5, 0.5, 0]])
    maps = torch.stack([head0, head1])[None]
    acc = HeadDistances(decoder_context(1, 2))
    acc.update(make_batch([maps], [words(3)]))
    # Row 1, 2 visible tokens: p = (.9995, .0005), q reversed, m = (1/2, 1/2): ln 2 - H(p).
    row1 = math.log(2) - entropy([0.9995, 0.0005])
    # Row 2, 3 visible tokens, each smoothed .999 p + .001 / 3.
    e = 0.001 / 3
    p = [e, e, 0.999 + e]
    q = [0.4995 + e, 0.4995 + e, e]
    m = [(a + b) / 2 for a, b in zip(p, q, strict=True)]
    row2 = entropy(m) - (entropy(p) + entropy(q)) / 2
    # by hand: H(p) = .0043003, so row 1 = .6931472 - .0043003; row 2: H(m) = 1.039836,
    # H(p) = .006004, H(q) = .695918
    assert row1 == pytest.approx(0.688847, abs=1e-6)
    assert row2 == pytest.approx(0.688875, abs=2e-6)
    out = acc.result()
    assert out["distance"][0][1] == pytest.approx((row1 + row2) / 2, abs=2e-6)
    assert out["rows_used"] == 2 and out["distance"][0][0] == 0.0
    # Smoothing row 1 over all 3 tokens (as an encoder would) gives another number.
    p3 = [0.999 + e, e, e]
    q3 = [e, 0.999 + e, e]
    m3 = [(a + b) / 2 for a, b in zip(p3, q3, strict=True)]
    encoder_row1 = entropy(m3) - (entropy(p3) + entropy(q3)) / 2
    assert abs(encoder_row1 - row1) > 1e-4


def test_visible_entries_of_sampled_rows():
    att = torch.arange(2 * 1 * 4 * 4, dtype=torch.float64).view(2, 1, 4, 4)  # not maps: places
    got = sampled_entries(att, [1, 3], 4, causal=True, dtype=torch.float64)
    raw = [4, 5, 12, 13, 14, 15]  # row 1: columns 0..1, row 3: columns 0..3 (layer 0)
    visible = [2, 2, 4, 4, 4, 4]
    expected = [0.999 * a + 0.001 / v for a, v in zip(raw, visible, strict=True)]
    assert got.shape == (2, 1, 6)
    assert got[0, 0].tolist() == pytest.approx(expected, abs=1e-12)
    assert got[1, 0].tolist() == pytest.approx([0.999 * (a + 16) + 0.001 / v
                                                for a, v in zip(raw, visible, strict=True)])


def scipy_reference(maps: list[torch.Tensor], picked: list[tuple[int, int]]) -> np.ndarray:
    """Sum over the picked (segment, row) of scipy's JS (squared) of the visible entries."""
    layers, heads = maps[0].shape[:2]
    k = layers * heads
    total = np.zeros((k, k))
    for s, i in picked:
        a = maps[s].double().numpy().reshape(k, *maps[s].shape[-2:])[:, i, : i + 1]
        a = 0.999 * a + 0.001 / (i + 1)
        for h1 in range(k):
            for h2 in range(k):
                if h1 != h2:
                    total[h1, h2] += float(jensenshannon(a[h1], a[h2])) ** 2
    return total


def causal_corpus(seed: int = 0, lengths=(7, 4, 9, 2, 6)) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [random_causal_maps(2, 2, n, gen) for n in lengths]


def test_every_row_agrees_with_scipy_row_by_row():
    maps = causal_corpus()
    lengths = [m.shape[-1] for m in maps]
    picked = [(s, i) for s, n in enumerate(lengths) for i in range(1, n)]
    # rows that sum to 1 in float64 (scipy renormalises each row, float32 rows are 1 +- 1e-7)
    exact_maps = [m.double() / m.double().sum(-1, keepdim=True) for m in maps]
    ref = scipy_reference(exact_maps, picked)
    # float64 entries: the pairwise pass itself agrees to 1e-9
    entries = torch.cat([sampled_entries(m, list(range(1, m.shape[-1])), m.shape[-1], True,
                                         torch.float64) for m in exact_maps], dim=-1)
    exact = pairwise_js_sums(entries.reshape(4, -1), len(picked)).numpy()
    assert np.max(np.abs(exact - ref)) < 1e-9
    # the accumulator (float32 entries, padded batch, every row)
    data = [[0] * n for n in lengths]
    acc = HeadDistances(decoder_context(2, 2, data=data, distance_rows="all"))
    acc.update(make_batch(maps, [words(n) for n in lengths], pad_to=12))
    out = acc.result()
    assert out["rows_used"] == out["rows_total"] == sum(n - 1 for n in lengths) == 23
    assert np.max(np.abs(acc.sum_js.numpy() - ref)) < 1e-6
    assert np.max(np.abs(np.asarray(out["distance"]) - ref / 23)) < 2e-6
    assert out["sampling"]["every_row"]


def test_the_sample_draws_rows_from_one_on_and_agrees_with_scipy():
    maps = causal_corpus(1, lengths=(6, 3, 8, 5, 1, 7))
    lengths = [m.shape[-1] for m in maps]
    # By hand: the rows i >= 1 numbered in corpus order; the draw of sample_order over them.
    flat = [(s, i) for s, n in enumerate(lengths) for i in range(1, n)]
    assert len(flat) == 24
    drawn = [flat[f] for f in random.Random(5).sample(range(24), 9)]
    chosen = choose_rows(lengths, 9, 5, first_row=1)
    assert sorted((s, i) for s, rows in chosen.items() for i in rows) == sorted(drawn)
    assert all(i >= 1 for rows in chosen.values() for i in rows)
    halves = choose_halves(lengths, 9, 5, first_row=1)
    assert sorted((s, i) for s, rows in halves[0].items() for i in rows) == sorted(drawn[:5])
    every = choose_rows(lengths, "all", 5, first_row=1)
    assert sorted((s, i) for s, rows in every.items() for i in rows) == flat
    acc = HeadDistances(decoder_context(2, 2, data=[[0] * n for n in lengths],
                                        distance_rows=9, seed=5))
    acc.update(make_batch(maps[:3], [words(n) for n in lengths[:3]], index=[0, 1, 2]))
    acc.update(make_batch(maps[3:], [words(n) for n in lengths[3:]], index=[3, 4, 5]))
    out = acc.result()
    assert out["rows_used"] == 9 and out["rows_total"] == 24
    assert acc.rows_half.tolist() == [5.0, 4.0]
    for half, part in enumerate((drawn[:5], drawn[5:])):
        ref = scipy_reference(maps, part)
        assert np.max(np.abs(acc.sum_js_half[half].numpy() - ref)) < 1e-6
    assert out["segments_used"] == len({s for s, _ in drawn})


def test_unsized_streams_deal_rows_from_one_on():
    first, second = segment_halves(6, 3, 0, first_row=1)
    assert sorted(first + second) == [1, 2, 3, 4, 5] and len(first) == 3
    assert segment_halves(1, 3, 0, first_row=1) == ([], [])
    maps = causal_corpus(2)
    acc = HeadDistances(decoder_context(2, 2))
    acc.update(make_batch(maps, [words(m.shape[-1]) for m in maps]))
    assert acc.result()["rows_used"] == sum(m.shape[-1] - 1 for m in maps)


def test_sliced_batches_give_the_same_sums_as_whole_ones():
    maps = causal_corpus(3, lengths=(7, 4, 9, 2, 6, 8))
    lengths = [m.shape[-1] for m in maps]
    data = [[0] * n for n in lengths]
    roles = [words(n) for n in lengths]
    first = make_batch(maps[:3], roles[:3], index=[0, 1, 2])
    second = make_batch(maps[3:], roles[3:], index=[3, 4, 5])
    for rows in (10, "all"):
        whole = HeadDistances(decoder_context(2, 2, data=data, distance_rows=rows, seed=2))
        whole.update(first)
        whole.update(second)
        sliced = HeadDistances(decoder_context(2, 2, data=data, distance_rows=rows, seed=2))
        a1, a0 = layer_slices(first, [[1], [0]])
        (b01,) = layer_slices(second, [[0, 1]])  # one slice with both layers: paired at once
        for piece in (a1, b01):
            sliced.update(piece)
        assert sliced._pending  # the first batch still waits for layer 0
        with pytest.raises(ValueError, match="lacks layers"):
            sliced.result()
        with pytest.raises(ValueError, match="lacks layers"):
            HeadDistances(decoder_context(2, 2, data=data, distance_rows=rows)).merge(sliced)
        sliced.update(a0)
        assert not sliced._pending
        assert torch.equal(sliced.sum_js_half, whole.sum_js_half)
        assert torch.equal(sliced.rows_half, whole.rows_half)
        assert sliced.result() == whole.result()
    again = HeadDistances(decoder_context(2, 2, data=data, distance_rows="all"))
    again.update(layer_slices(first, [[0]])[0])
    with pytest.raises(ValueError, match="arrived twice"):
        again.update(layer_slices(first, [[0]])[0])


def test_sliced_encoder_batches_are_buffered_too():
    gen = torch.Generator().manual_seed(4)
    maps = [torch.softmax(torch.randn(3, 2, n, n, generator=gen), -1) for n in (5, 8)]
    batch = make_batch(maps, [words(5), words(8)])
    from tests.unit.analyses.batches import context

    whole = HeadDistances(context(3, 2))
    whole.update(batch)
    sliced = HeadDistances(context(3, 2))
    for piece in layer_slices(batch, [[2], [0], [1]]):
        sliced.update(piece)
    assert torch.equal(sliced.sum_js_half, whole.sum_js_half)
