"""Entropy with the paper's smoothing, on rows whose entropy is known in closed form."""

import math

import pytest
import torch

from generator.analyses.base import AnalysisContext
from generator.analyses.entropy import AttentionEntropy
from generator.config import BuildConfig
from generator.model.roles import CLS, SEP, WORD
from tests.helpers import make_batch

ROLES = [CLS, WORD, WORD, SEP]


def hot_row_entropy(n: int) -> float:
    """-sum a' ln a' for a one-hot row smoothed as 0.9999 a + 0.0001 / n, by hand."""
    hot = 0.9999 + 0.0001 / n
    cold = 0.0001 / n
    return -(hot * math.log(hot) + (n - 1) * cold * math.log(cold))


def test_uniform_and_one_hot_heads():
    uniform = torch.full((4, 4), 0.25)
    one_hot = torch.eye(4)
    half = torch.tensor([[0.5, 0.5, 0, 0]] * 4)  # every row: two halves
    maps = torch.stack([uniform, one_hot, half])[None]  # [1, 3, 4, 4]
    acc = AttentionEntropy(AnalysisContext(1, 3, BuildConfig()))
    acc.update(make_batch([maps], [ROLES]))
    out = acc.result()
    h_half_smoothed = -(2 * (0.49995 + 0.000025) * math.log(0.49995 + 0.000025)
                        + 2 * 0.000025 * math.log(0.000025))
    assert out["metrics"]["entropy"][0] == pytest.approx(
        [math.log(4), hot_row_entropy(4), h_half_smoothed], abs=1e-6)
    assert out["metrics"]["cls_entropy"][0] == pytest.approx(
        [math.log(4), hot_row_entropy(4), h_half_smoothed], abs=1e-6)
    assert out["reference"]["uniform_entropy"] == pytest.approx(math.log(4), abs=1e-6)


def test_cls_row_and_padding():
    # row 0 uniform, other rows one-hot; padded next to a longer uniform segment
    m = torch.eye(4)
    m[0] = 0.25
    short = m[None, None]
    longer = torch.full((1, 1, 7, 7), 1 / 7)
    acc = AttentionEntropy(AnalysisContext(1, 1, BuildConfig()))
    acc.update(make_batch([short, longer], [ROLES, [CLS] + [WORD] * 5 + [SEP]]))
    out = acc.result()
    short_mean = (math.log(4) + 3 * hot_row_entropy(4)) / 4
    assert out["metrics"]["entropy"][0][0] == pytest.approx((short_mean + math.log(7)) / 2,
                                                            abs=1e-6)
    assert out["metrics"]["cls_entropy"][0][0] == pytest.approx((math.log(4) + math.log(7)) / 2,
                                                                abs=1e-6)
    assert out["reference"]["uniform_entropy"] == pytest.approx((math.log(4) + math.log(7)) / 2,
                                                                abs=1e-6)


@pytest.mark.parametrize("causal", [False, True])
def test_row_plogp_per_segment_and_per_layer_give_the_same_bits(causal):
    """The CPU path (one segment's layer at a time) and the GPU path (a whole layer of the batch)
    are the same ops: identical bits; both equal sum p ln p computed plainly in float64."""
    from generator.analyses.entropy import SMOOTHING, row_plogp

    torch.manual_seed(0)
    a = torch.rand(3, 2, 4, 9, 9)
    a /= a.sum(-1, keepdim=True)
    n = 9
    if causal:
        position = torch.arange(n)
        floor = (SMOOTHING / (position + 1).float())[None, None, :, None]  # [1, 1, N, 1]
        hidden = position[None, :] > position[:, None]
    else:
        floor = (SMOOTHING / torch.tensor([9.0, 7.0, 5.0]))[:, None, None, None]  # [B, 1, 1, 1]
        hidden = None
    per_segment = row_plogp(a, floor, hidden, per_segment=True)
    per_layer = row_plogp(a, floor, hidden, per_segment=False)
    assert torch.equal(per_segment, per_layer)
    p = a.double() * (1 - SMOOTHING) + floor.double()[:, None]
    if hidden is not None:
        p = p.masked_fill(hidden, 1.0)
    torch.testing.assert_close(per_segment.double(), (p * p.log()).sum(-1), atol=1e-6, rtol=0)
