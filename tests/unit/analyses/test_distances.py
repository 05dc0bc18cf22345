"""Head distances: JS divergence by hand, symmetry, streaming, merging, padding, subsets, and
the split-half measure of the sample's error."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import torch

from generator.analyses.distances import (
    HeadDistances,
    choose_halves,
    choose_rows,
    pairwise_js_sums,
    pairwise_slogs,
    segment_halves,
    smooth_rows,
    split_half_sigma,
)
from tests.unit.analyses.batches import context, make_batch, pair_roles, random_maps


def entropy(p: list[float]) -> float:
    return -sum(x * math.log(x) for x in p)


def reference_distance(maps: list[torch.Tensor]) -> np.ndarray:
    """Written differently: JS = (KL(p||m) + KL(q||m)) / 2, loops over head pairs and rows."""
    layers, heads = maps[0].shape[:2]
    k = layers * heads
    total = np.zeros((k, k))
    rows = 0
    for m in maps:
        n = m.shape[-1]
        a = m.double().numpy().reshape(k, n, n) * 0.999 + 0.001 / n
        rows += n
        for h1 in range(k):
            for h2 in range(k):
                p, q = a[h1], a[h2]
                mix = (p + q) / 2
                kl_p = (p * np.log(p / mix)).sum(-1)
                kl_q = (q * np.log(q / mix)).sum(-1)
                total[h1, h2] += (0.5 * kl_p + 0.5 * kl_q).sum()
    return total / rows


def distance_of(acc: HeadDistances) -> np.ndarray:
    return np.asarray(acc.result()["distance"])


def test_js_of_two_hand_made_distributions():
    p, q = [0.5, 0.5], [0.25, 0.75]
    # m = (3/8, 5/8); JS = H(m) - (H(p) + H(q)) / 2 = 0.661563 - (0.693147 + 0.562335) / 2
    expected = entropy([3 / 8, 5 / 8]) - (math.log(2) + entropy(q)) / 2
    assert expected == pytest.approx(0.033822, abs=1e-6)
    js = pairwise_js_sums(torch.tensor([p, q]), rows=1)
    assert float(js[0, 1]) == pytest.approx(expected, rel=1e-5)
    assert float(js[1, 0]) == pytest.approx(expected, rel=1e-5)
    assert float(js[0, 0]) == 0.0


def test_js_sums_over_rows_and_nearly_disjoint_rows_approach_ln2():
    # Two rows per head laid end to end: head 0 = ([.5, .5], [.9, .1]), head 1 = ([.25, .75] x2).
    p = torch.tensor([[0.5, 0.5, 0.9, 0.1], [0.25, 0.75, 0.25, 0.75],
                      [1 - 1e-6, 1e-6, 1e-6, 1 - 1e-6]])
    js = pairwise_js_sums(p, rows=2)
    row2 = entropy([0.575, 0.425]) - (entropy([0.9, 0.1]) + entropy([0.25, 0.75])) / 2
    assert float(js[0, 1]) == pytest.approx(0.033822 + row2, rel=1e-4)
    # Head 2 vs head 0 row 1 ([.5, .5] vs almost [1, 0]) and row 2 ([.9, .1] vs almost [0, 1]).
    r1 = entropy([0.75, 0.25]) - math.log(2) / 2
    r2 = entropy([0.45, 0.55]) - entropy([0.9, 0.1]) / 2
    assert float(js[0, 2]) == pytest.approx(r1 + r2, rel=1e-3)


def test_pairwise_slogs_blocks_do_not_change_the_result():
    gen = torch.Generator().manual_seed(1)
    p = torch.softmax(torch.randn(7, 50, generator=gen), -1)
    whole = pairwise_slogs(p, chunk=50, group=1)
    blocked = pairwise_slogs(p, chunk=8, group=3)
    assert torch.allclose(whole, blocked, rtol=1e-5, atol=1e-5)
    assert torch.all(torch.tril(blocked) == 0)


def test_pairwise_slogs_in_worker_threads_gives_the_same_bits():
    """The CPU worker threads (groups dealt to threads, one core each) add every pair's
    column blocks in the same order as one thread: identical sums, and torch's thread count is
    restored afterwards."""
    gen = torch.Generator().manual_seed(2)
    p = torch.softmax(torch.randn(11, 300, generator=gen), -1)
    threads = torch.get_num_threads()
    one = pairwise_slogs(p, chunk=64, group=2, workers=1)
    for workers in (2, 3):
        assert torch.equal(pairwise_slogs(p, chunk=64, group=2, workers=workers), one)
    assert torch.get_num_threads() == threads
    # and the sums themselves, plainly in float64
    s = p.double()[:, None, :] + p.double()[None, :, :]
    plain = torch.triu((s * s.log()).sum(-1), 1)
    torch.testing.assert_close(one, plain, rtol=1e-6, atol=1e-6)


def test_smoothing_spreads_over_real_tokens_only():
    row = smooth_rows(torch.tensor([1.0, 0.0, 0.0, 0.0]), 4)
    assert row.tolist() == pytest.approx([0.99925, 0.00025, 0.00025, 0.00025])
    assert float(row.sum()) == pytest.approx(1.0)


def test_opposite_heads_on_a_two_token_segment():
    # Head 0 attends to itself, head 1 to the other token.
    maps = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]]])
    acc = HeadDistances(context(1, 2))
    acc.update(make_batch([maps], [[2, 3]]))
    # Each row: p = (0.9995, 0.0005), q reversed, m = (1/2, 1/2): JS = ln 2 - H(p).
    expected = math.log(2) - entropy([0.9995, 0.0005])
    d = distance_of(acc)
    assert d[0, 1] == pytest.approx(expected, rel=1e-5)
    assert d[0, 0] == d[1, 1] == 0.0


def test_matrix_is_symmetric_with_zero_diagonal_and_matches_a_second_implementation():
    gen = torch.Generator().manual_seed(0)
    maps = [random_maps(2, 3, n, gen) for n in (9, 6, 12)]
    roles = [pair_roles(n, n // 2) for n in (9, 6, 12)]
    acc = HeadDistances(context(2, 3))
    acc.update(make_batch(maps, roles))
    d = distance_of(acc)
    assert np.array_equal(d, d.T)
    assert np.all(np.diag(d) == 0)
    ref = reference_distance(maps)
    off = ~np.eye(6, dtype=bool)
    assert np.max(np.abs(d - ref)[off] / ref[off]) < 1e-4
    assert acc.result()["rows_used"] == 27
    assert acc.result()["heads"] == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]]


def test_streaming_and_merging_equal_one_pass():
    gen = torch.Generator().manual_seed(2)
    lengths = (7, 11, 5, 9)
    maps = [random_maps(2, 2, n, gen) for n in lengths]
    roles = [pair_roles(n, 3) for n in lengths]
    one = HeadDistances(context(2, 2))
    one.update(make_batch(maps, roles))
    streamed = HeadDistances(context(2, 2))
    for m, r in zip(maps, roles, strict=True):
        streamed.update(make_batch([m], [r]))
    left, right = HeadDistances(context(2, 2)), HeadDistances(context(2, 2))
    left.update(make_batch(maps[:2], roles[:2]))
    right.update(make_batch(maps[2:], roles[2:]))
    left.merge(right)
    for other in (streamed, left):
        assert np.allclose(distance_of(other), distance_of(one), rtol=1e-5, atol=1e-7)
        assert other.result()["segments_used"] == 4


def test_padding_never_enters():
    gen = torch.Generator().manual_seed(3)
    short, long = random_maps(1, 3, 6, gen), random_maps(1, 3, 10, gen)
    alone = HeadDistances(context(1, 3))
    alone.update(make_batch([short], [pair_roles(6, 2)]))
    padded = HeadDistances(context(1, 3))
    padded.update(make_batch([short], [pair_roles(6, 2)], pad_to=10))
    assert np.allclose(distance_of(padded), distance_of(alone), rtol=1e-6)
    # In a batch with a longer segment: the same as the two segments' sums taken apart.
    together = HeadDistances(context(1, 3))
    together.update(make_batch([long, short], [pair_roles(10, 4), pair_roles(6, 2)]))
    ref = reference_distance([long, short])
    off = ~np.eye(3, dtype=bool)
    assert np.max(np.abs(distance_of(together) - ref)[off] / ref[off]) < 1e-4


def test_a_seeded_sample_of_rows_is_used_and_counted():
    gen = torch.Generator().manual_seed(4)
    maps = [random_maps(1, 3, 5 + i % 3, gen) for i in range(10)]
    roles = [pair_roles(m.shape[-1], 2) for m in maps]
    lengths = [m.shape[-1] for m in maps]
    data = [[0] * n for n in lengths]  # sized like segments
    acc = HeadDistances(context(1, 3, data=data, distance_rows=12, seed=7))
    acc.update(make_batch(maps[:6], roles[:6], index=list(range(6))))
    acc.update(make_batch(maps[6:], roles[6:], index=list(range(6, 10))))
    chosen = choose_rows(lengths, 12, 7)
    assert chosen == choose_rows(lengths, 12, 7)
    assert sum(len(r) for r in chosen.values()) == 12
    assert all(0 <= r < lengths[s] for s, rows in chosen.items() for r in rows)
    out = acc.result()
    assert out["rows_used"] == 12 and out["rows_total"] == sum(lengths)
    assert out["segments_used"] == len(chosen) and out["segments_total"] == 10
    # Reference: only the chosen rows of each chosen segment, by the loop implementation.
    k, total = 3, np.zeros((3, 3))
    for s, rows in chosen.items():
        n = lengths[s]
        a = maps[s].double().numpy().reshape(k, n, n)[:, rows] * 0.999 + 0.001 / n
        for h1 in range(k):
            for h2 in range(k):
                mix = (a[h1] + a[h2]) / 2
                total[h1, h2] += 0.5 * ((a[h1] * np.log(a[h1] / mix)).sum()
                                        + (a[h2] * np.log(a[h2] / mix)).sum())
    ref = total / 12
    off = ~np.eye(3, dtype=bool)
    assert np.max(np.abs(np.asarray(out["distance"]) - ref)[off] / ref[off]) < 1e-4
    assert choose_rows([2, 3], 99, 7) == {0: [0, 1], 1: [0, 1, 2]}


def test_float32_elements_keep_small_distances_to_2e_8():
    # Nearly alike heads (JS ~1e-4 per row): float32 rounding stays far below 6 written digits.
    gen = torch.Generator().manual_seed(5)
    base = torch.softmax(torch.randn(1, 64 * 64, generator=gen).view(1, 64, 64), -1)
    near = torch.softmax(base.log() + 0.02 * torch.randn(base.shape, generator=gen), -1)
    p = torch.cat([base, near]).view(2, -1) * 0.999 + 0.001 / 64
    exact = pairwise_js_sums(p.double(), rows=64)[0, 1] / 64
    fast = pairwise_js_sums(p.float(), rows=64)[0, 1] / 64
    assert float(exact) > 1e-5
    assert abs(float(fast) - float(exact)) < 2e-8


def per_row_js(maps: torch.Tensor, row: int) -> np.ndarray:
    """JS of every pair of heads on one row of one segment, [K, K], by the KL form in a loop."""
    layers, heads, n, _ = maps.shape
    k = layers * heads
    a = maps.double().numpy().reshape(k, n, n)[:, row] * 0.999 + 0.001 / n
    out = np.zeros((k, k))
    for h1 in range(k):
        for h2 in range(k):
            mix = (a[h1] + a[h2]) / 2
            out[h1, h2] = 0.5 * ((a[h1] * np.log(a[h1] / mix)).sum()
                                 + (a[h2] * np.log(a[h2] / mix)).sum())
    return out


def flat_to_segment_row(lengths: list[int], flat: int) -> tuple[int, int]:
    for s, n in enumerate(lengths):
        if flat < n:
            return s, flat
        flat -= n
    raise AssertionError(flat)


def sampled_maps(seed: int = 4) -> tuple[list[torch.Tensor], list[list[int]], list[int]]:
    gen = torch.Generator().manual_seed(seed)
    maps = [random_maps(1, 3, 5 + i % 3, gen) for i in range(10)]
    roles = [pair_roles(m.shape[-1], 2) for m in maps]
    return maps, roles, [m.shape[-1] for m in maps]


def test_split_halves_deal_the_sample_in_the_order_drawn():
    lengths = [5, 6, 7, 5, 6]
    # By hand: the same draw as the row sample; its first ceil(n/2) rows are half 0.
    drawn = random.Random(3).sample(range(29), 9)
    expected = ({}, {})
    for position, flat in enumerate(sorted(drawn[:5]) + sorted(drawn[5:])):
        s, r = flat_to_segment_row(lengths, flat)
        expected[0 if position < 5 else 1].setdefault(s, []).append(r)
    halves = choose_halves(lengths, 9, 3)
    assert halves == expected
    assert sum(map(len, halves[0].values())) == 5 and sum(map(len, halves[1].values())) == 4
    union = {s: sorted(halves[0].get(s, []) + halves[1].get(s, [])) for s in range(5)}
    assert {s: r for s, r in union.items() if r} == choose_rows(lengths, 9, 3)
    # "all" (and more rows than there are): every row, dealt 15 / 14.
    every = choose_halves(lengths, "all", 3)
    assert every == choose_halves(lengths, 10**6, 3)
    assert sorted((s, r) for h in every for s, rows in h.items() for r in rows) == [
        (s, r) for s, n in enumerate(lengths) for r in range(n)]
    assert sum(map(len, every[0].values())) == 15
    # Segments not known in advance: every row, a seeded coin per segment.
    first, second = segment_halves(7, 2, 0)
    assert sorted(first + second) == list(range(7)) and len(first) == 4
    assert segment_halves(7, 2, 0) == (first, second)


def test_half_sums_match_a_per_row_reference_whatever_the_batches():
    maps, roles, lengths = sampled_maps()
    data = [[0] * n for n in lengths]
    drawn = random.Random(7).sample(range(sum(lengths)), 12)
    ref = np.zeros((2, 3, 3))
    for position, flat in enumerate(drawn):
        s, r = flat_to_segment_row(lengths, flat)
        ref[0 if position < 6 else 1] += per_row_js(maps[s], r)
    for cuts in ([0, 10], [0, 3, 4, 10], list(range(11))):
        acc = HeadDistances(context(1, 3, data=data, distance_rows=12, seed=7))
        for a, b in zip(cuts, cuts[1:], strict=False):
            acc.update(make_batch(maps[a:b], roles[a:b], index=list(range(a, b))))
        assert acc.rows_half.tolist() == [6.0, 6.0]
        assert np.allclose(acc.sum_js_half.numpy(), ref, rtol=1e-4, atol=1e-9)
        out = acc.result()
        assert np.allclose(out["distance"], (ref[0] + ref[1]) / 12, rtol=1e-4, atol=2e-6)
        assert out["sampling"]["half_rows"] == [6, 6] and not out["sampling"]["every_row"]


def test_published_error_is_the_split_half_formula_over_pairs():
    maps, roles, lengths = sampled_maps(8)
    data = [[0] * n for n in lengths]
    acc = HeadDistances(context(1, 3, data=data, distance_rows=13, seed=1))
    acc.update(make_batch(maps, roles))
    drawn = random.Random(1).sample(range(sum(lengths)), 13)
    halves = [np.zeros((3, 3)), np.zeros((3, 3))]
    for position, flat in enumerate(drawn):
        s, r = flat_to_segment_row(lengths, flat)
        halves[0 if position < 7 else 1] += per_row_js(maps[s], r)
    d0, d1 = halves[0] / 7, halves[1] / 6
    d = (halves[0] + halves[1]) / 13
    n, big_n = 13, sum(lengths)
    rel = [math.sqrt(1 - n / big_n) * math.sqrt(7 * 6) / n * abs(d0[a, b] - d1[a, b]) / d[a, b]
           for a, b in ((0, 1), (0, 2), (1, 2))]
    error = acc.result()["sampling"]["relative_error"]
    assert error["median"] == pytest.approx(sorted(rel)[1], rel=1e-3)
    assert error["max"] == pytest.approx(max(rel), rel=1e-3)
    assert error["p95"] == pytest.approx(sorted(rel)[1] + 0.9 * (max(rel) - sorted(rel)[1]),
                                         rel=1e-3)  # linear between the 2nd and 3rd of three


def test_split_half_sigma_is_the_standard_error_of_a_sample_mean():
    # A population of N per-row values; many seeded samples of n rows dealt into two halves:
    # the mean of sigma^2 matches the observed variance of the sample mean (no formula used).
    rng = np.random.default_rng(0)
    population = rng.gamma(2.0, 1.0, size=200)
    for n in (40, 41, 150):
        means, sigma2 = [], []
        for _ in range(20000):
            draw = rng.choice(200, size=n, replace=False)
            cut = (n + 1) // 2
            d0, d1 = population[draw[:cut]].mean(), population[draw[cut:]].mean()
            means.append(population[draw].mean())
            sigma2.append(float(split_half_sigma(np.array(d0), np.array(d1), cut, n - cut,
                                                 200)) ** 2)
        assert np.mean(sigma2) == pytest.approx(np.var(means), rel=0.05)
    assert float(split_half_sigma(np.array(1.0), np.array(2.0), 100, 100, 200)) == 0.0
    assert float(split_half_sigma(np.array(1.0), np.array(2.0), 100, 100, None)) == 0.0


def test_every_row_means_no_sampling_error():
    maps, roles, lengths = sampled_maps()
    data = [[0] * n for n in lengths]
    acc = HeadDistances(context(1, 3, data=data, distance_rows="all", seed=7))
    acc.update(make_batch(maps, roles))
    out = acc.result()
    assert out["rows_used"] == out["rows_total"] == sum(lengths) == 59
    sampling = out["sampling"]
    assert sampling["every_row"] and sampling["half_rows"] == [30, 29]
    assert sampling["relative_error"] == {"median": 0.0, "p95": 0.0, "max": 0.0}
    assert set(sampling["halves"]) >= {"nearest_changed", "adjusted_rand", "cluster_changed"}
    off = ~np.eye(3, dtype=bool)
    ref = reference_distance(maps)
    assert np.max(np.abs(np.asarray(out["distance"]) - ref)[off] / ref[off]) < 1e-4
    # Without a sized segment list every row is used too, halved per segment.
    unsized = HeadDistances(context(1, 3))
    unsized.update(make_batch(maps, roles))
    assert unsized.result()["sampling"]["every_row"]
    assert unsized.result()["sampling"]["half_rows"] == [sum((n + 1) // 2 for n in lengths),
                                                         sum(n // 2 for n in lengths)]
    assert np.allclose(unsized.result()["distance"], out["distance"], atol=2e-6)


def test_a_sample_too_small_to_halve_states_no_error():
    maps, roles, lengths = sampled_maps()
    acc = HeadDistances(context(1, 3, data=[[0] * n for n in lengths], distance_rows=1))
    acc.update(make_batch(maps, roles))
    sampling = acc.result()["sampling"]
    assert sampling["half_rows"] == [1, 0]
    assert sampling["relative_error"] is None and sampling["halves"] is None
