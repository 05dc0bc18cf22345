"""Head map: clusters on a matrix with obvious groups, nearest heads, MDS, the document step."""

from __future__ import annotations

import numpy as np
import pytest

from generator.analyses.headmap import add_head_map, cluster_heads, mds_2d, nearest_heads


def grouped_distances() -> np.ndarray:
    """Nine heads in three tight groups of squared-Euclidean-like distances."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    points = np.concatenate([c + 0.1 * rng.standard_normal((3, 2)) for c in centres])
    order = np.array([0, 3, 6, 1, 4, 7, 2, 5, 8])  # interleave so groups are not contiguous
    points = points[order]
    diff = points[:, None, :] - points[None, :, :]
    return (diff**2).sum(-1), points


def test_clusters_find_the_obvious_groups_and_are_numbered_by_first_head():
    distance, _ = grouped_distances()
    clusters, scores = cluster_heads(distance)
    assert clusters.tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2]
    assert max(scores, key=lambda k: (scores[k], -k)) == 3
    assert set(scores) <= set(range(2, 9))


def test_clusters_with_too_few_heads():
    assert cluster_heads(np.zeros((2, 2)))[0].tolist() == [0, 0]


def test_nearest_heads_closest_first_ties_by_index():
    d = np.array([[0, 1, 2, 1], [1, 0, 3, 3], [2, 3, 0, 4], [1, 3, 4, 0]], dtype=float)
    assert nearest_heads(d, count=2) == [[1, 3], [0, 2], [0, 1], [0, 1]]
    assert nearest_heads(d)[0] == [1, 3, 2]  # fewer than five other heads


def test_mds_recovers_a_planar_configuration():
    _, points = grouped_distances()
    diff = points[:, None, :] - points[None, :, :]
    distance = np.sqrt((diff**2).sum(-1))
    xy = mds_2d(distance, seed=0)
    got = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    assert np.allclose(got, distance, atol=1e-3)
    assert np.allclose(xy.mean(0), 0.0, atol=1e-9)
    assert np.array_equal(xy, mds_2d(distance, seed=0))


def test_add_head_map_fills_the_heads_document():
    distance, _ = grouped_distances()
    documents = {"heads": {"distance": distance.tolist(), "seed": 0}}
    add_head_map(documents)
    heads = documents["heads"]
    assert len(heads["mds"]) == 9 and all(len(xy) == 2 for xy in heads["mds"])
    assert heads["cluster"] == [0, 1, 2, 0, 1, 2, 0, 1, 2]
    assert heads["num_clusters"] == 3
    assert heads["nearest"][0][:2] == [3, 6]
    assert {"distance", "mds", "clustering", "cluster_rule", "silhouette",
            "nearest"} <= set(heads["method"])
    assert heads["method"]["silhouette"]["3"] == pytest.approx(max(
        heads["method"]["silhouette"].values()))


def test_add_head_map_without_heads_does_nothing():
    documents = {"general": {}}
    add_head_map(documents)
    assert documents == {"general": {}}
