import numpy as np
import pytest

from generator.analyses.bootstrap import ratio_interval, resample_weights


def test_weights_are_seeded_draws_of_n_sentences():
    w = resample_weights(7, 50, seed=1)
    assert w.shape == (50, 7)
    assert (w.sum(1) == 7).all()
    assert np.array_equal(w, resample_weights(7, 50, seed=1))
    assert not np.array_equal(w, resample_weights(7, 50, seed=2))


def test_constant_ratio_gives_a_point_interval():
    num = np.array([2, 3, 1])
    den = np.array([2, 3, 1])
    assert ratio_interval(num, den, resample_weights(3, 200, 0)) == (1.0, 1.0)


def test_interval_matches_a_plain_loop():
    rng = np.random.default_rng(0)
    den = rng.integers(1, 10, size=40)
    num = rng.binomial(den, 0.4)
    w = resample_weights(40, 500, seed=9)
    ratios = sorted(sum(w[b, s] * num[s] for s in range(40)) / sum(w[b, s] * den[s]
                    for s in range(40)) for b in range(500))
    low, high = ratio_interval(num, den, w)
    # numpy's default percentile interpolates linearly between order statistics
    assert low == pytest.approx(ratios[12] + 0.475 * (ratios[13] - ratios[12]))
    assert high == pytest.approx(ratios[486] + 0.525 * (ratios[487] - ratios[486]))
    assert low < num.sum() / den.sum() < high


def test_empty_resamples_are_left_out():
    num, den = np.array([1, 0]), np.array([1, 0])
    w = np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    assert ratio_interval(num, den, w) == (1.0, 1.0)
    assert ratio_interval(np.zeros(2), np.zeros(2), w) is None
