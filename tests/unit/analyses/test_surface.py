"""Surface statistics on a hand-made map whose answers are worked out by hand."""

import pytest
import torch

from generator.analyses.base import AnalysisContext
from generator.analyses.surface import SurfaceStats, add_layer_means
from generator.config import BuildConfig
from generator.model.roles import CLS, PUNCT, SEP, WORD
from tests.helpers import make_batch

# [CLS] a , [SEP] b [SEP]
ROLES = [CLS, WORD, PUNCT, SEP, WORD, SEP]
ROWS = [
    [0.5, 0.5, 0.0, 0.0, 0.0, 0.0],
    [0.2, 0.0, 0.8, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.5, 0.0, 0.5],
    [0.0, 0.0, 0.0, 0.25, 0.25, 0.5],
    [0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
]
# Worked out by hand (see the rows above):
EXPECTED = {
    "self": (0.5 + 0.5 + 0.25) / 6,
    "next": (0.5 + 0.8 + 0.5) / 6,
    "prev": (0.2 + 1.0 + 0.25) / 6,
    "cls": (0.5 + 0.2) / 6,
    "sep": (1.0 + 0.75 + 1.0) / 6,
    "punct": 0.8 / 6,
    "sep_sep": (1.0 + 1.0) / 2,
    "rest_sep": 0.75 / 4,
}


def context(layers=1, heads=2):
    return AnalysisContext(layers, heads, BuildConfig())


def one_map():
    a = torch.tensor(ROWS)
    # head 1: the transpose pattern is not a distribution; use uniform rows instead
    uniform = torch.full((6, 6), 1 / 6)
    return torch.stack([a, uniform])[None]  # [1, 2, 6, 6]


def test_hand_made_map():
    acc = SurfaceStats(context())
    acc.update(make_batch([one_map()], [ROLES]))
    metrics = acc.result()["metrics"]
    for name, value in EXPECTED.items():
        assert metrics[name][0][0] == pytest.approx(value, abs=1e-6), name
    # uniform head: every selector gets its share of 1/6 per selected column
    assert metrics["cls"][0][1] == pytest.approx(1 / 6, abs=1e-6)
    assert metrics["sep"][0][1] == pytest.approx(2 / 6, abs=1e-6)
    assert metrics["next"][0][1] == pytest.approx(5 / 36, abs=1e-6)
    assert metrics["sep_sep"][0][1] == pytest.approx(2 / 6, abs=1e-6)


def test_padding_never_enters():
    """The same segment alone, or padded next to a longer one, gives the same numbers."""
    longer = torch.full((1, 2, 9, 9), 1 / 9)
    longer_roles = [CLS] + [WORD] * 7 + [SEP]
    alone = SurfaceStats(context())
    alone.update(make_batch([one_map()], [ROLES]))
    padded = SurfaceStats(context())
    padded.update(make_batch([longer, one_map()], [longer_roles, ROLES]))
    other = SurfaceStats(context())
    other.update(make_batch([longer], [longer_roles]))
    for name in EXPECTED:
        both = (alone.result()["metrics"][name][0][0] + other.result()["metrics"][name][0][0]) / 2
        assert padded.result()["metrics"][name][0][0] == pytest.approx(both, abs=1e-6)


def test_segments_weigh_equally_and_merge_equals_one_pass():
    longer = torch.full((1, 2, 9, 9), 1 / 9)
    longer_roles = [CLS] + [WORD] * 7 + [SEP]
    one_pass = SurfaceStats(context())
    one_pass.update(make_batch([one_map(), longer], [ROLES, longer_roles]))
    a, b = SurfaceStats(context()), SurfaceStats(context())
    a.update(make_batch([one_map()], [ROLES]))
    b.update(make_batch([longer], [longer_roles]))
    a.merge(b)
    assert a.result() == one_pass.result()
    # the long segment's cls is 1/9, the short one's is 0.7/6: equal weights
    assert one_pass.result()["metrics"]["cls"][0][0] == pytest.approx((0.7 / 6 + 1 / 9) / 2,
                                                                      abs=1e-6)


def test_layer_means():
    docs = {"general": {"metrics": {"cls": [[0.1, 0.3], [0.5, 0.7]]}}}
    add_layer_means(docs)
    assert docs["general"]["layer_means"]["cls"] == [0.2, 0.6]
