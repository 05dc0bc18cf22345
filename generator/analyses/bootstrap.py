"""Percentile bootstrap over sentences for ratio scores (correct / count), seeded.

Sentences, not words, are resampled, because words of one sentence are not independent. Every
resample draws n sentences with replacement; a score is the ratio of the summed numerators to
the summed denominators over the drawn sentences. The same resamples serve every score, so
intervals of different scores are comparable.
"""

from __future__ import annotations

import numpy as np

DEFAULT_RESAMPLES = 1000


def resample_weights(num_sentences: int, resamples: int, seed: int) -> np.ndarray:
    """``[resamples, num_sentences]``: how often each sentence is drawn in each resample."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, num_sentences, size=(resamples, num_sentences))
    weights = np.zeros((resamples, num_sentences), dtype=np.float64)
    rows = np.repeat(np.arange(resamples), num_sentences)
    np.add.at(weights, (rows, draws.ravel()), 1.0)
    return weights


def ratio_interval(
    numerators: np.ndarray, denominators: np.ndarray, weights: np.ndarray, level: float = 0.95
) -> tuple[float, float] | None:
    """Percentile interval of ``sum(num) / sum(den)`` over the resamples given by ``weights``.

    ``numerators`` and ``denominators`` are per sentence. Resamples whose denominator is zero are
    left out; None when every resample is empty.
    """
    num = weights @ numerators.astype(np.float64)
    den = weights @ denominators.astype(np.float64)
    ok = den > 0
    if not ok.any():
        return None
    ratios = num[ok] / den[ok]
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return float(low), float(high)
