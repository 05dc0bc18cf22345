"""Head map: clusters on a matrix with obvious groups, nearest heads, MDS, the document step, and
the comparison of two maps (split halves)."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from generator.analyses.headmap import (
    add_head_map,
    cluster_heads,
    clusters_at,
    compare_maps,
    matched_heads,
    mds_2d,
    nearest_heads,
)


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


def adjusted_rand(a: list[int], b: list[int]) -> float:
    """Hubert & Arabie's index by pair counting (written out, not sklearn)."""
    n = len(a)
    table: dict[tuple[int, int], int] = {}
    for x, y in zip(a, b, strict=True):
        table[x, y] = table.get((x, y), 0) + 1
    index = sum(comb(v, 2) for v in table.values())
    rows = sum(comb(a.count(x), 2) for x in set(a))
    cols = sum(comb(b.count(y), 2) for y in set(b))
    expected = rows * cols / comb(n, 2)
    return (index - expected) / ((rows + cols) / 2 - expected)


def five_nearest(d: np.ndarray) -> list[list[int]]:
    """By argsort (no ties among these random points), not by nearest_heads."""
    masked = d + np.diag(np.full(len(d), np.inf))
    return [list(np.argsort(row, kind="stable")[:5]) for row in masked]


def test_matched_heads_pairs_clusters_one_to_one():
    # b renames a's clusters (0->2, 1->0, 2->1) and moves head 5 from a's cluster 2 to 0:
    assert matched_heads(np.array([0, 0, 1, 1, 2, 2]), np.array([2, 2, 0, 0, 1, 2])) == 5
    # a cluster split in two: only its larger part is matched
    assert matched_heads(np.array([0, 0, 0, 0, 1, 1]), np.array([0, 0, 0, 2, 1, 1])) == 5
    assert matched_heads(np.array([0, 0, 1]), np.array([0, 1, 2])) == 2


def test_compare_maps_counts_what_a_moved_head_changes():
    distance, points = grouped_distances()
    same = compare_maps(distance, distance)
    assert same == {"nearest_changed": 0, "nearest5_changed": 0, "nearest5_shared": 5.0,
                    "num_clusters": [3, 3], "adjusted_rand": 1.0, "cluster_changed": 0}
    moved = points.copy()
    moved[3] = points[1] + [0.3, 0.3]  # head 3 leaves group {0, 3, 6} for group {1, 4, 7}
    other = ((moved[:, None, :] - moved[None, :, :]) ** 2).sum(-1)
    got = compare_maps(distance, other)
    clusters_b = [0, 1, 2, 1, 1, 2, 0, 1, 2]
    assert cluster_heads(other)[0].tolist() == clusters_b
    assert got["num_clusters"] == [3, 3]
    assert got["cluster_changed"] == 1
    assert got["adjusted_rand"] == pytest.approx(
        adjusted_rand([0, 1, 2, 0, 1, 2, 0, 1, 2], clusters_b), abs=1e-6)
    na, nb = five_nearest(distance), five_nearest(other)
    assert na[3][0] in (0, 6) and nb[3][0] in (1, 4, 7)
    assert got["nearest_changed"] == sum(x[0] != y[0] for x, y in zip(na, nb, strict=True))
    assert got["nearest5_changed"] == sum(set(x) != set(y) for x, y in zip(na, nb, strict=True))
    assert got["nearest5_shared"] == pytest.approx(
        np.mean([len(set(x) & set(y)) for x, y in zip(na, nb, strict=True)]), abs=1e-6)


def test_compare_maps_at_the_maps_k_sees_agreeing_groups():
    """Half b brings two groups close, so its silhouette picks 2 clusters where a picks 3; cut
    into a's 3 clusters, both still find the same three tight groups."""
    distance, points = grouped_distances()
    moved = points.copy()
    moved[[2, 5, 8]] = points[[1, 4, 7]] + np.array([0.0, 0.6])  # group 3 next to group 2
    other = ((moved[:, None, :] - moved[None, :, :]) ** 2).sum(-1)
    got = compare_maps(distance, other, at_k=3)
    assert got["num_clusters"] == [3, 2]
    assert got["cluster_changed"] == 3  # the merged group's three heads are unmatched
    assert got["at_k"] == 3
    assert got["adjusted_rand_at_k"] == 1.0
    assert got["cluster_changed_at_k"] == 0
    assert clusters_at(other, 3).tolist() == [0, 1, 2, 0, 1, 2, 0, 1, 2]
    assert "at_k" not in compare_maps(distance, other)
