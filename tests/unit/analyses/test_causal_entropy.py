"""Decoder entropy: each row i smoothed over its i + 1 visible tokens, rows i >= 1, the mean and
the normalised mean; hand-made maps, a plain-loop implementation, layer slices and shards."""

from __future__ import annotations

import math

import pytest
import torch

from generator.analyses.causal_entropy import CausalEntropy
from tests.unit.analyses.batches import make_batch
from tests.unit.analyses.causal_batches import (
    HAND_1,
    HAND_2,
    ROLES_1,
    ROLES_2,
    context,
    fed_whole_and_sliced,
    hand_batch,
    layer_slice,
    random_batch,
)


def h(visible: list[float]) -> float:
    """-sum a' ln a' of one row's visible weights, a' = 0.9999 a + 0.0001 / (i + 1)."""
    k = len(visible)
    smoothed = [0.9999 * a + 0.0001 / k for a in visible]
    return -sum(p * math.log(p) for p in smoothed)


def hot(k: int) -> float:
    """A one-hot row over k visible tokens: 0.9999 + 0.0001/k once, 0.0001/k k - 1 times."""
    big, small = 0.9999 + 0.0001 / k, 0.0001 / k
    return -(big * math.log(big) + (k - 1) * small * math.log(small))


LN = math.log

# Per segment the mean over rows i >= 1 (segment 1: rows 1..3, segment 2: rows 1..2), then the
# mean of the two segments. Rows of the hand head are HAND_1[i][: i + 1] and HAND_2[i][: i + 1].
HAND_ROWS_1 = [HAND_1[i][: i + 1] for i in (1, 2, 3)]
HAND_ROWS_2 = [HAND_2[i][: i + 1] for i in (1, 2)]
EXPECTED_ENTROPY = [
    # L0H0 (hand-made)
    [(sum(h(r) for r in HAND_ROWS_1) / 3 + sum(h(r) for r in HAND_ROWS_2) / 2) / 2,
     # L0H1 uniform: smoothing keeps a uniform row uniform, H_i = ln(i + 1)
     ((LN(2) + LN(3) + LN(4)) / 3 + (LN(2) + LN(3)) / 2) / 2],
    # L1H0 sink and L1H1 previous: every row i >= 1 one-hot over i + 1 visible tokens
    [((hot(2) + hot(3) + hot(4)) / 3 + (hot(2) + hot(3)) / 2) / 2] * 2,
]
EXPECTED_NORMALISED = [
    [(sum(h(r) / LN(len(r)) for r in HAND_ROWS_1) / 3
      + sum(h(r) / LN(len(r)) for r in HAND_ROWS_2) / 2) / 2,
     1.0],  # uniform: H_i / ln(i + 1) = 1 on every row
    [((hot(2) / LN(2) + hot(3) / LN(3) + hot(4) / LN(4)) / 3
      + (hot(2) / LN(2) + hot(3) / LN(3)) / 2) / 2] * 2,
]
UNIFORM = ((LN(2) + LN(3) + LN(4)) / 3 + (LN(2) + LN(3)) / 2) / 2


def test_hand_made_maps():
    acc = CausalEntropy(context(2, 2))
    acc.update(hand_batch())
    out = acc.result()
    # the hand head's first row [0.6, 0.4] by hand: -(0.6 ln 0.6 + 0.4 ln 0.4) = 0.673012 before
    # smoothing; the smoothed value differs by under 1e-4
    assert h([0.6, 0.4]) == pytest.approx(0.673012, abs=1e-4)
    for layer in range(2):
        assert out["metrics"]["entropy"][layer] == pytest.approx(EXPECTED_ENTROPY[layer],
                                                                 abs=2e-6)
        assert out["metrics"]["entropy_normalised"][layer] == pytest.approx(
            EXPECTED_NORMALISED[layer], abs=2e-6)
    assert out["reference"] == {"uniform_entropy": pytest.approx(UNIFORM, abs=1e-6),
                                "uniform_entropy_normalised": 1.0}
    # uniform attention sits at the reference
    assert out["metrics"]["entropy"][0][1] == pytest.approx(out["reference"]["uniform_entropy"],
                                                            abs=2e-6)


def test_padding_never_enters():
    """Segment 2 padded (to 7) beside segment 1 gives the mean of the two alone."""
    maps = [m for m in hand_batch().attentions]
    singles = []
    for m, roles, n in ((maps[0], ROLES_1, 4), (maps[1], ROLES_2, 3)):
        acc = CausalEntropy(context(2, 2))
        acc.update(make_batch([m[..., :n, :n]], [roles]))
        singles.append(acc.result())
    together = CausalEntropy(context(2, 2))
    together.update(make_batch([m[..., :n, :n] for m, n in zip(maps, (4, 3), strict=True)],
                               [ROLES_1, ROLES_2], pad_to=7))
    both = together.result()
    for key in ("entropy", "entropy_normalised"):
        mean = (torch.tensor(singles[0]["metrics"][key])
                + torch.tensor(singles[1]["metrics"][key])) / 2
        assert torch.tensor(both["metrics"][key]) == pytest.approx(mean, abs=2e-6)


def loop_entropy(batch, layers: int, heads: int) -> tuple[list[list[float]], list[list[float]],
                                                          float]:
    """A second implementation: plain loops over segments and rows i >= 1."""
    ent = [[0.0] * heads for _ in range(layers)]
    norm = [[0.0] * heads for _ in range(layers)]
    uniform, segments = 0.0, 0
    for b in range(batch.size):
        n = int(batch.lengths[b])
        if n < 2:
            continue
        segments += 1
        uniform += sum(math.log(i + 1) for i in range(1, n)) / (n - 1)
        for layer in range(layers):
            for head in range(heads):
                a = batch.attentions[b, layer, head].tolist()
                rows = [h(a[i][: i + 1]) for i in range(1, n)]
                ent[layer][head] += sum(rows) / (n - 1)
                norm[layer][head] += sum(r / math.log(i + 1)
                                         for i, r in zip(range(1, n), rows, strict=True)) / (n - 1)
    return ([[v / segments for v in row] for row in ent],
            [[v / segments for v in row] for row in norm], uniform / segments)


def test_random_maps_match_plain_loops():
    batch = random_batch(3, 2, [9, 5, 1, 12, 2], seed=11)
    acc = CausalEntropy(context(3, 2))
    acc.update(batch)
    out = acc.result()
    ent, norm, uniform = loop_entropy(batch, 3, 2)
    assert torch.tensor(out["metrics"]["entropy"]) == pytest.approx(torch.tensor(ent), abs=5e-6)
    assert torch.tensor(out["metrics"]["entropy_normalised"]) == pytest.approx(
        torch.tensor(norm), abs=5e-6)
    assert out["reference"]["uniform_entropy"] == pytest.approx(uniform, abs=1e-6)


def test_hidden_cells_are_not_counted_even_when_not_zero():
    """Weight above the diagonal (not visible to the row) never enters a row's entropy."""
    clean = hand_batch()
    dirty = hand_batch()
    n = dirty.attentions.shape[-1]
    upper = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
    dirty.attentions[0] += upper * 0.05  # segment 1 (n = 4 = N): only hidden cells change
    a, b = CausalEntropy(context(2, 2)), CausalEntropy(context(2, 2))
    a.update(clean)
    b.update(dirty)
    assert a.result() == b.result()


def test_layer_slices_in_any_order_equal_whole_batches():
    batches = [random_batch(3, 2, [6, 4], seed=12), random_batch(3, 2, [8, 3, 5], seed=13)]
    whole, sliced = fed_whole_and_sliced(CausalEntropy, context(3, 2), batches, seed=3)
    assert sliced.result() == whole.result()
    assert sliced.segments.tolist() == [5.0, 5.0, 5.0]


def test_merge_of_two_shards_equals_one_run():
    a, b = random_batch(2, 2, [7, 3], seed=14), random_batch(2, 2, [5, 9, 2], seed=15)
    one = CausalEntropy(context(2, 2))
    one.update(a)
    one.update(b)
    left, right = CausalEntropy(context(2, 2)), CausalEntropy(context(2, 2))
    left.update(layer_slice(a, [1]))
    left.update(layer_slice(a, [0]))
    right.update(b)
    right.merge(left)
    assert right.result() == one.result()
