"""Decoder surface statistics (first/self/prev/punct over rows i >= 1) on hand-made causal maps
worked out by hand, against a plain-loop implementation on random maps, fed whole or as layer
slices, and merged from shards."""

from __future__ import annotations

import pytest
import torch

from generator.analyses.causal_surface import (
    CAUSAL_SURFACE_METRICS,
    CausalSurfaceStats,
    NoBosSurface,
)
from generator.analyses.surface import add_layer_means
from tests.unit.analyses.batches import make_batch
from tests.unit.analyses.causal_batches import (
    ROLES_1,
    ROLES_2,
    context,
    fed_whole_and_sliced,
    hand_batch,
    hand_maps,
    layer_slice,
    random_batch,
)

# The hand-made maps are in causal_batches.py (HAND_1, HAND_2 and the uniform, sink and
# previous heads). Worked out by hand, per segment the mean over rows i >= 1 (3 rows, then 2),
# then the mean of the two segments:
EXPECTED = {
    # L0H0. seg 1: first (0.6+0.5+0.1)/3 = 0.4; seg 2: (0.2+0.3)/2 = 0.25
    ("first", 0, 0): (0.4 + 0.25) / 2,
    # seg 1: self (0.4+0.2+0.4)/3 = 1/3; seg 2: (0.8+0.1)/2 = 0.45
    ("self", 0, 0): (1 / 3 + 0.45) / 2,
    # seg 1: prev (0.6+0.3+0.3)/3 = 0.4; seg 2: (0.2+0.6)/2 = 0.4
    ("prev", 0, 0): 0.4,
    # punct columns: seg 1 column 2, rows 1..3: 0+0.2+0.3 = 0.5 -> 0.5/3; seg 2 column 1:
    # 0.8+0.6 = 1.4 -> 0.7
    ("punct", 0, 0): (0.5 / 3 + 0.7) / 2,
    # L0H1 uniform: first = self = prev = mean of 1/(i+1): seg 1 (1/2+1/3+1/4)/3 = 13/36,
    # seg 2 (1/2+1/3)/2 = 5/12 = 15/36 -> 28/72 = 7/18
    ("first", 0, 1): 7 / 18, ("self", 0, 1): 7 / 18, ("prev", 0, 1): 7 / 18,
    # punct: seg 1 column 2 gets 1/3 (row 2) + 1/4 (row 3) = 7/12 -> 7/36; seg 2 column 1
    # gets 1/2 + 1/3 = 5/6 -> 5/12 = 15/36; mean 22/72 = 11/36
    ("punct", 0, 1): 11 / 36,
    # L1H0 sink: first 1; self 0 (row 0 is not counted); prev: only row 1's previous token is
    # position 0: seg 1 1/3, seg 2 1/2 -> 5/12; punct 0 (position 0 is the BOS)
    ("first", 1, 0): 1.0, ("self", 1, 0): 0.0, ("prev", 1, 0): 5 / 12, ("punct", 1, 0): 0.0,
    # L1H1 previous: prev 1; self 0; first: row 1 only -> 1/3 and 1/2 -> 5/12; punct: seg 1
    # row 3 -> column 2 (",") 1/3, seg 2 row 2 -> column 1 (",") 1/2 -> 5/12
    ("first", 1, 1): 5 / 12, ("self", 1, 1): 0.0, ("prev", 1, 1): 1.0, ("punct", 1, 1): 5 / 12,
}


def test_hand_made_maps():
    acc = CausalSurfaceStats(context(2, 2))
    acc.update(hand_batch())
    out = acc.result()
    assert out["architecture_kind"] == "decoder"
    assert sorted(out["metrics"]) == sorted(CAUSAL_SURFACE_METRICS)
    for (metric, layer, head), value in EXPECTED.items():
        assert out["metrics"][metric][layer][head] == pytest.approx(value, abs=1e-6), \
            (metric, layer, head)


def test_padding_never_enters():
    """Segment 2 alone (no padding) and padded beside segment 1: the mean of the two singles."""
    maps, roles = hand_maps(), [ROLES_1, ROLES_2]
    singles = []
    for m, r in zip(maps, roles, strict=True):
        acc = CausalSurfaceStats(context(2, 2))
        acc.update(make_batch([m], [r]))
        singles.append(acc.result()["metrics"])
    together = CausalSurfaceStats(context(2, 2))
    together.update(make_batch(maps, roles, pad_to=7))
    both = together.result()["metrics"]
    for metric in CAUSAL_SURFACE_METRICS:
        for layer in range(2):
            for head in range(2):
                mean = (singles[0][metric][layer][head] + singles[1][metric][layer][head]) / 2
                assert both[metric][layer][head] == pytest.approx(mean, abs=2e-6)


def loop_surface(batch, layers: int, heads: int) -> dict[str, list[list[float]]]:
    """A second implementation: plain loops over segments and rows i >= 1."""
    sums = {m: [[0.0] * heads for _ in range(layers)] for m in CAUSAL_SURFACE_METRICS}
    segments = 0
    for b in range(batch.size):
        n = int(batch.lengths[b])
        if n < 2:
            continue
        segments += 1
        punct_cols = [j for j in range(n) if bool(batch.is_punct[b, j])]
        for layer in range(layers):
            for head in range(heads):
                a = batch.attentions[b, layer, head].tolist()
                rows = range(1, n)
                sums["first"][layer][head] += sum(a[i][0] for i in rows) / (n - 1)
                sums["self"][layer][head] += sum(a[i][i] for i in rows) / (n - 1)
                sums["prev"][layer][head] += sum(a[i][i - 1] for i in rows) / (n - 1)
                sums["punct"][layer][head] += sum(a[i][j] for i in rows
                                                  for j in punct_cols) / (n - 1)
    return {m: [[v / segments for v in row] for row in grid] for m, grid in sums.items()}


def test_random_maps_match_plain_loops():
    batch = random_batch(3, 2, [9, 5, 1, 12, 2], seed=7)  # a one-token segment is left out
    acc = CausalSurfaceStats(context(3, 2))
    acc.update(batch)
    got = acc.result()["metrics"]
    want = loop_surface(batch, 3, 2)
    for metric in CAUSAL_SURFACE_METRICS:
        assert torch.tensor(got[metric]) == pytest.approx(torch.tensor(want[metric]), abs=2e-6)


def test_layer_slices_in_any_order_equal_whole_batches():
    batches = [random_batch(3, 2, [6, 4], seed=1), random_batch(3, 2, [8, 3, 5], seed=2)]
    whole, sliced = fed_whole_and_sliced(CausalSurfaceStats, context(3, 2), batches)
    assert sliced.result() == whole.result()
    assert sliced.segments.tolist() == [5.0, 5.0, 5.0]


def test_a_two_layer_slice_fills_only_its_layers():
    batch = random_batch(3, 2, [6, 4], seed=3)
    whole = CausalSurfaceStats(context(3, 2))
    whole.update(batch)
    part = CausalSurfaceStats(context(3, 2))
    part.update(layer_slice(batch, [2, 0]))
    got, want = part.result()["metrics"], whole.result()["metrics"]
    for metric in CAUSAL_SURFACE_METRICS:
        assert got[metric][0] == want[metric][0] and got[metric][2] == want[metric][2]
        assert got[metric][1] == [0.0, 0.0]  # no segment reached layer 1
    assert part.segments.tolist() == [2.0, 0.0, 2.0]


def test_layers_outside_the_model_are_refused():
    batch = layer_slice(random_batch(3, 2, [4], seed=4), [2])
    with pytest.raises(ValueError, match="outside"):
        CausalSurfaceStats(context(2, 2)).update(batch)


def test_merge_of_two_shards_equals_one_run():
    a, b = random_batch(2, 2, [7, 3], seed=5), random_batch(2, 2, [5, 9, 2], seed=6)
    one = CausalSurfaceStats(context(2, 2))
    one.update(a)
    one.update(b)
    left, right = CausalSurfaceStats(context(2, 2)), CausalSurfaceStats(context(2, 2))
    left.update(a)
    right.update(layer_slice(b, [1]))
    right.update(layer_slice(b, [0]))
    left.merge(right)
    assert left.result() == one.result()


def test_no_bos_statistics_sit_apart():
    acc = NoBosSurface(context(2, 2))
    acc.update(hand_batch())
    out = acc.result()
    assert sorted(out) == ["no_bos"]
    assert out["no_bos"]["segments"] == 2
    assert out["no_bos"]["metrics"]["first"][0][0] == pytest.approx(0.325, abs=1e-6)


def test_layer_means_of_decoder_metrics():
    acc = CausalSurfaceStats(context(2, 2))
    acc.update(hand_batch())
    docs = {"general": acc.result()}
    add_layer_means(docs)
    means = docs["general"]["layer_means"]
    assert sorted(means) == sorted(CAUSAL_SURFACE_METRICS)
    assert means["first"] == pytest.approx([(0.325 + 7 / 18) / 2, (1 + 5 / 12) / 2], abs=1e-6)
    assert means["prev"] == pytest.approx([(0.4 + 7 / 18) / 2, (5 / 12 + 1) / 2], abs=1e-6)
