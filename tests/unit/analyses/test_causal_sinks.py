"""Attention sinks from general.json's first: has_sink, rates, and BOS vs position 0."""

from __future__ import annotations

import pytest

from generator.analyses.causal_surface import CausalSurfaceStats, NoBosSurface
from generator.analyses.sinks import (
    SINK_THRESHOLD,
    add_sinks,
    sink_position,
    sink_summary,
)
from generator.results import merge_documents
from tests.unit.analyses.causal_batches import context, hand_batch

# 3 layers x 3 heads
FIRST = [[0.9, 0.31, 0.3],
         [0.05, 0.2, 0.1],
         [0.7, 0.8, 0.95]]


def test_threshold_is_strict_and_rates_are_shares():
    out = sink_summary(FIRST)
    assert SINK_THRESHOLD == 0.3 and out["threshold"] == 0.3
    # 0.3 itself is not above 0.3
    assert out["has_sink"] == [[True, True, False], [False, False, False], [True, True, True]]
    assert out["layer_rate"] == [0.666667, 0.0, 1.0]  # 2/3, 0/3, 3/3
    assert out["rate"] == 0.555556  # 5/9
    assert (out["count"], out["heads"]) == (5, 9)


def test_a_threshold_parameter():
    out = sink_summary(FIRST, threshold=0.75)
    assert out["has_sink"] == [[True, False, False], [False, False, False], [False, True, True]]
    assert out["rate"] == pytest.approx(3 / 9, abs=1e-6)


def test_bos_or_position_0():
    # no-BOS first of the same heads; verdicts by the rule in sink_position's docstring
    without = [[0.85, 0.1, 0.9],   # sink stays -> position 0; sink gone -> bos; no sink -> None
               [0.6, 0.2, 0.1],    # no sink with BOS anywhere: all None (0.6 only without BOS)
               [0.2, 0.31, 0.05]]  # bos, position 0, bos
    out = sink_position(FIRST, without)
    assert out["verdict"] == [["position 0", "bos", None],
                              [None, None, None],
                              ["bos", "position 0", "bos"]]
    # layer 0: one each -> mixed; layer 1: no sink head -> None; layer 2: 2 bos vs 1
    assert out["layer_verdict"] == ["mixed", None, "bos"]
    assert out["layer_counts"] == [{"bos": 1, "position 0": 1}, {"bos": 0, "position 0": 0},
                                   {"bos": 2, "position 0": 1}]
    assert out["overall"] == "bos" and out["counts"] == {"bos": 3, "position 0": 2}
    assert out["with_bos"] == FIRST and out["without_bos"] == without
    assert out["has_sink_without_bos"] == [[True, False, True], [True, False, False],
                                           [False, True, False]]
    assert out["correlation"] == pytest.approx(_pearson(FIRST, without), abs=1e-6)


def _pearson(a, b):
    xs, ys = [v for r in a for v in r], [v for r in b for v in r]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return cov / (sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys)) ** 0.5


def test_position_0_everywhere():
    out = sink_position([[0.5, 0.9]], [[0.45, 0.99]])
    assert out["layer_verdict"] == ["position 0"] and out["overall"] == "position 0"
    with pytest.raises(ValueError):
        sink_position([[0.5, 0.9]], [[0.45]])


def test_add_sinks_on_documents_from_the_accumulators():
    main, plain = CausalSurfaceStats(context(2, 2)), NoBosSurface(context(2, 2))
    main.update(hand_batch())
    plain.update(hand_batch())  # the same maps: every sink stays, so position 0
    documents = {"general": merge_documents([main.result(), plain.result()])}
    add_sinks(documents)
    sinks = documents["general"]["sinks"]
    # first by hand (test_causal_surface): L0 [0.325, 7/18 = 0.389], L1 [1.0, 5/12 = 0.417]
    assert sinks["has_sink"] == [[True, True], [True, True]]
    assert sinks["rate"] == 1.0
    assert sinks["position"]["overall"] == "position 0"
    strict = {"general": merge_documents([main.result(), plain.result()])}
    add_sinks(strict, threshold=0.4)
    assert strict["general"]["sinks"]["has_sink"] == [[False, False], [True, True]]
    assert strict["general"]["sinks"]["layer_rate"] == [0.0, 1.0]


def test_add_sinks_leaves_encoders_and_missing_no_bos_alone():
    encoder = {"general": {"metrics": {"cls": [[0.9]]}}}
    add_sinks(encoder)
    assert encoder == {"general": {"metrics": {"cls": [[0.9]]}}}
    add_sinks({})
    decoder = {"general": {"metrics": {"first": [[0.9, 0.1]]}}}
    add_sinks(decoder)
    assert "position" not in decoder["general"]["sinks"]
    assert decoder["general"]["sinks"]["has_sink"] == [[True, False]]
