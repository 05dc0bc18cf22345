"""Attention sinks of a decoder (SPEC section 11; Gu et al. 2024, Xiao et al. 2023).

Post-processing over the finished documents: from general.json's ``first`` (mean A[i, 0] over
rows i >= 1, see causal_surface.py) a head *has a sink* when its ``first`` is above a threshold
(``SINK_THRESHOLD``, 0.3 unless told); the sink rate is the share of heads with one, per layer and
overall. When general.json also holds ``no_bos`` (the same statistics on a seeded sample of the
same segments without their BOS token), ``sink_position`` tells per head whether the sink is the
BOS token or position 0.
"""

from __future__ import annotations

import math
from typing import Any

SINK_THRESHOLD = 0.3
"""A head has a sink when its mean attention to position 0 (``first``) is above this."""

BOS = "bos"
POSITION_0 = "position 0"
MIXED = "mixed"

SINK_RULE = "has_sink: first (mean A[i, 0] over rows i >= 1) > threshold"
POSITION_RULE = (
    "per head with a sink (first > threshold with BOS): 'position 0' when its first without BOS "
    "is still > threshold (it sinks on position 0 whatever token is there), else 'bos' (the "
    "sink goes with the BOS token); null for heads without a sink. Per layer and overall: the "
    "verdict most of those sink heads share, 'mixed' on a tie, null without sink heads")


def _round(value: float) -> float:
    return round(value, 6)


def sink_summary(first: list[list[float]], threshold: float = SINK_THRESHOLD) -> dict[str, Any]:
    """has_sink per head ([layer][head]) and the sink rate per layer and overall."""
    has_sink = [[value > threshold for value in row] for row in first]
    heads = sum(len(row) for row in has_sink)
    count = sum(sum(row) for row in has_sink)
    return {
        "threshold": threshold,
        "rule": SINK_RULE,
        "has_sink": has_sink,
        "layer_rate": [_round(sum(row) / len(row)) if row else 0.0 for row in has_sink],
        "rate": _round(count / heads) if heads else 0.0,
        "count": count,
        "heads": heads,
    }


def _majority(verdicts: list[str | None]) -> tuple[str | None, dict[str, int]]:
    counts = {BOS: verdicts.count(BOS), POSITION_0: verdicts.count(POSITION_0)}
    if counts[BOS] == counts[POSITION_0]:
        return (MIXED if counts[BOS] else None), counts
    return (BOS if counts[BOS] > counts[POSITION_0] else POSITION_0), counts


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    """Pearson correlation; None when either side is constant (or has under two values)."""
    if len(xs) < 2:
        return None
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return _round(sxy / math.sqrt(sxx * syy))


def sink_position(with_bos: list[list[float]], without_bos: list[list[float]],
                  threshold: float = SINK_THRESHOLD) -> dict[str, Any]:
    """Is each sink the BOS token or position 0? ``with_bos`` and ``without_bos`` are ``first``
    grids of the same segments with and without their BOS token.

    Rule (``POSITION_RULE``): a head has a sink when its with-BOS ``first`` > threshold. Such a
    head's verdict is "position 0" when its no-BOS ``first`` is also > threshold: position 0
    still draws the mass though a word now sits there; else "bos": without the BOS token the
    sink is gone. Heads without a sink get None. A layer's verdict (and the overall one) is the
    verdict most of its sink heads share, "mixed" on a tie, None when it has no sink head.
    Also reported: the no-BOS sink flags and the correlation of the two grids over all heads.
    """
    if [len(row) for row in with_bos] != [len(row) for row in without_bos]:
        raise ValueError("first grids of different shapes")
    verdicts: list[list[str | None]] = []
    for row_bos, row_plain in zip(with_bos, without_bos, strict=True):
        verdicts.append([
            None if b <= threshold else (POSITION_0 if p > threshold else BOS)
            for b, p in zip(row_bos, row_plain, strict=True)])
    layers = [_majority(row) for row in verdicts]
    overall, counts = _majority([v for row in verdicts for v in row])
    return {
        "threshold": threshold,
        "rule": POSITION_RULE,
        "with_bos": [[_round(v) for v in row] for row in with_bos],
        "without_bos": [[_round(v) for v in row] for row in without_bos],
        "has_sink_without_bos": [[v > threshold for v in row] for row in without_bos],
        "verdict": verdicts,
        "layer_verdict": [verdict for verdict, _ in layers],
        "layer_counts": [layer_counts for _, layer_counts in layers],
        "overall": overall,
        "counts": counts,
        "correlation": _correlation([v for row in with_bos for v in row],
                                    [v for row in without_bos for v in row]),
    }


def add_sinks(documents: dict[str, dict[str, Any]], threshold: float = SINK_THRESHOLD) -> None:
    """Post-processing: general.json's ``sinks`` from its ``first`` metric (decoders only: an
    encoder's general.json has no ``first`` and is left as it is), with ``sinks.position`` when
    the no-BOS statistics are there too."""
    general = documents.get("general")
    if general is None or "first" not in general.get("metrics", {}):
        return
    first = general["metrics"]["first"]
    sinks = sink_summary(first, threshold)
    no_bos = general.get("no_bos", {}).get("metrics", {}).get("first")
    if no_bos is not None:
        sinks["position"] = sink_position(first, no_bos, threshold)
    general["sinks"] = sinks
