"""A decoder's gradient groups (SPEC section 11): position 0, "." or ",", the rest; visible pairs
only (rows i >= 1, columns j <= i), on hand-made gradient maps."""

import random

import pytest
import torch

from generator.analyses.base import AnalysisContext
from generator.analyses.gradients import GradientImportance, add_gradient_layer_means
from generator.config import BuildConfig
from generator.model import roles as R
from generator.model.gradients import GradientBatch

# Segment 0: BOS w . w (n = 4). Segment 1: w , w + two padding (n = 3; --bos off: a word first).
ROLES = torch.tensor([[R.BOS, R.WORD, R.PUNCT, R.WORD, R.PAD],
                      [R.WORD, R.PUNCT, R.WORD, R.PAD, R.PAD]], dtype=torch.int8)
LENGTHS = torch.tensor([4, 3])


def make_batch(grads: torch.Tensor, roles: torch.Tensor = ROLES,
               lengths: torch.Tensor = LENGTHS) -> GradientBatch:
    b, _, _, n, _ = grads.shape
    return GradientBatch(
        attentions=torch.zeros_like(grads), input_ids=torch.zeros(b, n, dtype=torch.long),
        roles=roles[:, :n], word_ids=torch.full((b, n), -1), lengths=lengths,
        index=torch.arange(b), gradients=grads)


def decoder(layers: int = 1, heads: int = 2) -> GradientImportance:
    return GradientImportance(AnalysisContext(layers, heads, BuildConfig(), kind="decoder"))


def hand_grads() -> torch.Tensor:
    """|g[i, j]| = 10 i + j + 1 on every cell of the real rows (the masked cells j > i too, as
    autograd gives them, and row 0): with alternating signs; head 1 is head 0 tripled."""
    g = torch.zeros(2, 1, 2, 5, 5)
    for b, n in enumerate((4, 3)):
        for i in range(n):
            for j in range(n):
                g[b, 0, 0, i, j] = (10 * i + j + 1) * (-1) ** (i + j)
    g[:, 0, 1] = 3 * g[:, 0, 0]
    return g


def test_groups_average_the_visible_pairs_of_rows_one_on():
    acc = decoder()
    acc.update(make_batch(hand_grads()))
    res = acc.result()
    assert res["groups"] == ["first", "punct", "other"]
    head = res["per_head"]
    # Segment 0 (BOS w . w): first = column 0 of rows 1..3: 11, 21, 31 -> 21.
    #   punct = column 2 of rows 2, 3: 23, 33 -> 28.
    #   other = columns 1 and 3: (1,1) 12, (2,1) 22, (3,1) 32, (3,3) 34 -> 25.
    # Segment 1 (w , w): first = rows 1, 2 of column 0: 11, 21 -> 16.
    #   punct = column 1: (1,1) 12, (2,1) 22 -> 17.   other = (2,2) 23 -> 23.
    assert head["first"][0][0] == pytest.approx((21 + 16) / 2)
    assert head["punct"][0][0] == pytest.approx((28 + 17) / 2)
    assert head["other"][0][0] == pytest.approx((25 + 23) / 2)
    assert head["first"][0][1] == pytest.approx(3 * (21 + 16) / 2)
    assert res["segments"] == 2
    assert res["segments_with_group"] == {"first": 2, "punct": 2, "other": 2}


def test_masked_cells_row_zero_and_padding_never_count():
    g = hand_grads()
    noisy = g.clone()
    hidden = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
    noisy[..., hidden] = 1e6  # j > i: no attention the model can give there
    noisy[..., 0, :] = 1e6  # row 0
    noisy[1, ..., 3:, :] = 1e6  # padding rows and columns of segment 1
    noisy[1, ..., :, 3:] = 1e6
    plain, dirty = decoder(), decoder()
    plain.update(make_batch(g))
    dirty.update(make_batch(noisy))
    assert dirty.result() == plain.result()


def test_a_segment_without_a_group_is_left_out_of_its_mean():
    roles = torch.tensor([[R.BOS, R.WORD, R.WORD, R.WORD, R.PAD],
                          [R.WORD, R.PUNCT, R.WORD, R.PAD, R.PAD]], dtype=torch.int8)
    acc = decoder()
    acc.update(make_batch(hand_grads(), roles))
    res = acc.result()
    assert res["segments_with_group"] == {"first": 2, "punct": 1, "other": 2}
    assert res["per_head"]["punct"][0][0] == pytest.approx(17)  # segment 1 alone
    # segment 0: other = columns 1..3 of rows >= 1: 12, 22, 32, 23, 33, 34 -> 26
    assert res["per_head"]["other"][0][0] == pytest.approx((26 + 23) / 2)


def test_against_a_plain_loop_on_random_gradients():
    rng = random.Random(3)
    gen = torch.Generator().manual_seed(3)
    lengths = [6, 2, 5]
    n = max(lengths)
    roles = torch.zeros(3, n, dtype=torch.int8)
    for b, k in enumerate(lengths):
        roles[b, :k] = torch.tensor([R.PUNCT if rng.random() < 0.3 else R.WORD
                                     for _ in range(k)], dtype=torch.int8)
    grads = torch.randn(3, 2, 3, n, n, generator=gen)
    acc = GradientImportance(AnalysisContext(2, 3, BuildConfig(), kind="decoder"))
    acc.update(make_batch(grads, roles, torch.tensor(lengths)))
    res = acc.result()
    for group in ("first", "punct", "other"):
        for layer in range(2):
            for head in range(3):
                means = []
                for b, k in enumerate(lengths):
                    values = []
                    for i in range(1, k):
                        for j in range(i + 1):
                            punct = int(roles[b, j]) == R.PUNCT
                            kind = "first" if j == 0 else "punct" if punct else "other"
                            if kind == group:
                                values.append(abs(float(grads[b, layer, head, i, j])))
                    if values:
                        means.append(sum(values) / len(values))
                expected = sum(means) / len(means)
                assert res["per_head"][group][layer][head] == pytest.approx(expected, rel=1e-5)


def test_layer_means_of_the_decoder_groups():
    acc = decoder()
    acc.update(make_batch(hand_grads()))
    doc = acc.result()
    documents = {"gradients": doc}
    add_gradient_layer_means(documents)
    assert set(doc["per_layer"]) == {"first", "punct", "other"}
    assert doc["per_layer"]["first"][0] == pytest.approx(2 * (21 + 16) / 2)  # (1 + 3) / 2 heads


def test_an_encoder_keeps_its_groups():
    acc = GradientImportance(AnalysisContext(1, 2, BuildConfig()))
    assert acc.groups == ("sep", "punct", "other", "cls")
