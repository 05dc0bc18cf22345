"""Grouping |dL/dA| by the kind of target token, on hand-made gradient maps (SPEC 4)."""

import math

import pytest
import torch

from generator.analyses.base import AnalysisContext
from generator.analyses.gradients import (
    GradientImportance,
    add_gradient_layer_means,
    significant,
)
from generator.config import BuildConfig
from generator.model import roles as R
from generator.model.gradients import GradientBatch

# Segment 0: [CLS] w . w [SEP] (n = 5). Segment 1: [CLS] w w [SEP] [SEP] + one padding (n = 5).
ROLES = torch.tensor([[R.CLS, R.WORD, R.PUNCT, R.WORD, R.SEP, R.PAD],
                      [R.CLS, R.WORD, R.WORD, R.SEP, R.SEP, R.PAD]], dtype=torch.int8)


def make_batch(grads: torch.Tensor) -> GradientBatch:
    b, layers, heads, n, _ = grads.shape
    return GradientBatch(
        attentions=torch.zeros_like(grads), input_ids=torch.zeros(b, n, dtype=torch.long),
        roles=ROLES[:, :n], word_ids=torch.full((b, n), -1), lengths=torch.tensor([5, 5]),
        index=torch.arange(b), gradients=grads)


def hand_grads() -> torch.Tensor:
    """|g| of column j is c_j for every row (signs alternate, which abs must undo); head 1 is
    head 0 doubled; layer 1 is zero except one cell."""
    g = torch.zeros(2, 2, 2, 6, 6)
    cols0 = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 0.0])
    cols1 = torch.tensor([6.0, 7.0, 8.0, 9.0, 10.0, 0.0])
    sign = torch.tensor([1.0, -1.0, 1.0, -1.0, 1.0, 1.0])[:, None]
    for b, cols in enumerate((cols0, cols1)):
        g[b, 0, 0, :5] = sign[:5] * cols
        g[b, 0, 1, :5] = 2 * sign[:5] * cols
    g[0, 1, 0, 2, 4] = -10.0  # row 2 -> [SEP], layer 1 head 0, segment 0
    return g


def run(grads, layers=2, heads=2):
    acc = GradientImportance(AnalysisContext(layers, heads, BuildConfig()))
    acc.update(make_batch(grads))
    return acc


def test_grouping_by_target_kind():
    res = run(hand_grads()).result()
    head = res["per_head"]
    # Segment 0: sep column 5; punct column 3; other = cls 1, words 2 and 4 -> 7/3; cls 1.
    # Segment 1: sep = (9 + 10) / 2; no punct; other = (6 + 7 + 8) / 3 = 7; cls 6.
    assert head["sep"][0][0] == pytest.approx((5 + 9.5) / 2)
    assert head["punct"][0][0] == pytest.approx(3.0)  # only segment 0 has punctuation
    assert head["other"][0][0] == pytest.approx((7 / 3 + 7) / 2)
    assert head["cls"][0][0] == pytest.approx((1 + 6) / 2)
    assert head["sep"][0][1] == pytest.approx(2 * (5 + 9.5) / 2)
    # Layer 1: 10 over 5 rows x 1 [SEP] column in segment 0, nothing in segment 1.
    assert head["sep"][1][0] == pytest.approx((10 / 5 + 0) / 2)
    assert head["other"][1][0] == 0.0
    assert res["segments"] == 2
    assert res["segments_with_group"] == {"sep": 2, "punct": 1, "other": 2, "cls": 2}


def test_padding_never_counts():
    g = hand_grads()
    g[:, :, :, 5, :] = 100.0  # padding row
    g[:, :, :, :, 5] = 100.0  # padding column
    assert run(g).result() == run(hand_grads()).result()


def test_merge_equals_one_pass():
    g = hand_grads()
    whole = run(g)
    a = GradientImportance(AnalysisContext(2, 2, BuildConfig()))
    b = GradientImportance(AnalysisContext(2, 2, BuildConfig()))
    first, second = make_batch(g), make_batch(g)
    for name in ("attentions", "input_ids", "roles", "word_ids", "lengths", "index", "gradients"):
        setattr(first, name, getattr(first, name)[:1])
        setattr(second, name, getattr(second, name)[1:])
    a.update(first)
    b.update(second)
    a.merge(b)
    assert a.result() == whole.result()


def test_layer_means_postprocessor():
    docs = {"gradients": run(hand_grads()).result()}
    add_gradient_layer_means(docs)
    per_layer = docs["gradients"]["per_layer"]
    assert per_layer["sep"][0] == pytest.approx(1.5 * (5 + 9.5) / 2)
    assert per_layer["sep"][1] == pytest.approx(1 / 2)
    assert set(per_layer) == {"sep", "punct", "other", "cls"}


def test_significant_digits():
    assert significant(1.23456789e-9) == 1.23457e-9
    assert significant(-987654.321) == -987654.0
    assert significant(0.0) == 0.0
    assert math.isnan(significant(float("nan")))
