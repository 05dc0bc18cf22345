"""The head map (paper Figure 6): 2D metric MDS, clusters and nearest heads, from the distances.

A post-processing step: it reads the finished ``heads`` document (the Jensen-Shannon distance
matrix, heads numbered ``layer * num_heads + head``) and adds ``mds``, ``cluster``, ``nearest`` and
a ``method`` entry that states every rule, so the pages can print them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_CLUSTERS = 12
NEAREST = 5
LINKAGE = "ward"


def mds_2d(distance: np.ndarray, seed: int) -> np.ndarray:
    """Metric MDS (SMACOF from classical MDS) of a precomputed distance matrix, [K, 2].

    Centred, and each axis flipped so its largest coordinate in absolute value is positive, so the
    picture does not depend on the sign conventions of the eigen-solver.
    """
    from sklearn.manifold import MDS

    k = distance.shape[0]
    if k < 3:  # one head at the origin, or two at +-d/2 on the x axis
        half = distance[0, 1] / 2 if k == 2 else 0.0
        return np.array([[-half, 0.0], [half, 0.0]])[:k]
    mds = MDS(n_components=2, metric_mds=True, metric="precomputed", init="classical_mds",
              random_state=seed, normalized_stress=False)
    xy = mds.fit_transform(distance)
    xy = xy - xy.mean(0)
    for axis in range(2):
        if xy[np.abs(xy[:, axis]).argmax(), axis] < 0:
            xy[:, axis] = -xy[:, axis]
    return xy


def _first_seen_order(labels: np.ndarray) -> np.ndarray:
    """Renumber cluster labels 0, 1, ... in order of their lowest head index."""
    mapping: dict[int, int] = {}
    for label in labels.tolist():
        mapping.setdefault(label, len(mapping))
    return np.array([mapping[label] for label in labels.tolist()], dtype=int)


def cluster_heads(
    distance: np.ndarray, max_clusters: int = MAX_CLUSTERS
) -> tuple[np.ndarray, dict[int, float]]:
    """Ward clusters of ``sqrt(distance)``; k = best mean silhouette over 2..min(max, K-1).

    Why the square root and Ward: the square root of a JS divergence is a Hilbert-space metric,
    so the square root of a mean of them is a Euclidean distance, where Ward's variance criterion
    is valid. (Average linkage on the default model split off one outlier head, 71 against 1.)
    Silhouettes use the same ``sqrt(distance)``; ties go to the smaller k. Returns (cluster per
    head, numbered by lowest head index; the silhouette of every k tried). With fewer than 3
    heads or no valid k: one cluster.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform
    from sklearn.metrics import silhouette_score

    k_heads = distance.shape[0]
    scores: dict[int, float] = {}
    if k_heads < 3:
        return np.zeros(k_heads, dtype=int), scores
    euclidean = np.sqrt(np.clip(distance, 0.0, None))
    tree = linkage(squareform(euclidean, checks=False), method=LINKAGE)
    best: tuple[float, int, np.ndarray] | None = None
    for k in range(2, min(max_clusters, k_heads - 1) + 1):
        labels = fcluster(tree, t=k, criterion="maxclust")
        found = len(set(labels.tolist()))
        if found != k:
            continue  # ties in the tree: this many clusters cannot be cut
        score = round(float(silhouette_score(euclidean, labels, metric="precomputed")), 6)
        scores[k] = score
        if best is None or score > best[0]:
            best = (score, k, labels)
    if best is None:
        return np.zeros(k_heads, dtype=int), scores
    return _first_seen_order(best[2]), scores


def clusters_at(distance: np.ndarray, k: int) -> np.ndarray:
    """The same Ward tree as ``cluster_heads``, cut into ``k`` clusters (numbered by lowest head
    index; fewer when ties in the tree allow no cut into exactly k)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if distance.shape[0] < 3 or k < 2:
        return np.zeros(distance.shape[0], dtype=int)
    euclidean = np.sqrt(np.clip(distance, 0.0, None))
    tree = linkage(squareform(euclidean, checks=False), method=LINKAGE)
    return _first_seen_order(fcluster(tree, t=k, criterion="maxclust"))


def nearest_heads(distance: np.ndarray, count: int = NEAREST) -> list[list[int]]:
    """Each head's ``count`` nearest other heads, closest first (ties: lower index first)."""
    k = distance.shape[0]
    out = []
    for h in range(k):
        others = sorted((float(distance[h, o]), o) for o in range(k) if o != h)
        out.append([o for _, o in others[:count]])
    return out


def matched_heads(a: np.ndarray, b: np.ndarray) -> int:
    """Heads in the same cluster under the best one-to-one matching of a's clusters to b's
    (Hungarian method on the table of shared heads); heads of unmatched clusters do not count."""
    from scipy.optimize import linear_sum_assignment

    table = np.zeros((int(a.max()) + 1, int(b.max()) + 1), dtype=int)
    np.add.at(table, (a, b), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return int(table[rows, cols].sum())


def compare_maps(a: np.ndarray, b: np.ndarray, at_k: int | None = None) -> dict[str, Any]:
    """How far two distance matrices of the same heads give the same map, by the map's own rules
    (``nearest_heads``, ``cluster_heads``): heads whose nearest head differs, whose set of
    nearest heads differs, the mean number of nearest heads both share, each one's number of
    clusters, the adjusted Rand index of the two clusterings, and the heads that change cluster
    after the best matching of clusters.

    With ``at_k`` (the full map's number of clusters) also the same two figures with both cut
    into ``at_k`` clusters: when the silhouettes of several k are close, each half may pick
    another k although the groups themselves agree, and these say so."""
    from sklearn.metrics import adjusted_rand_score

    near_a, near_b = nearest_heads(a), nearest_heads(b)
    pairs = list(zip(near_a, near_b, strict=True))
    clusters_a, _ = cluster_heads(a)
    clusters_b, _ = cluster_heads(b)
    k = a.shape[0]
    out: dict[str, Any] = {
        "nearest_changed": sum(x[:1] != y[:1] for x, y in pairs),
        "nearest5_changed": sum(set(x) != set(y) for x, y in pairs),
        "nearest5_shared": round(sum(len(set(x) & set(y)) for x, y in pairs) / max(k, 1), 6),
        "num_clusters": [int(clusters_a.max()) + 1 if k else 0,
                         int(clusters_b.max()) + 1 if k else 0],
        "adjusted_rand": round(float(adjusted_rand_score(clusters_a, clusters_b)), 6),
        "cluster_changed": k - matched_heads(clusters_a, clusters_b) if k else 0,
    }
    if at_k is not None:
        fixed_a, fixed_b = clusters_at(a, at_k), clusters_at(b, at_k)
        out["at_k"] = at_k
        out["adjusted_rand_at_k"] = round(float(adjusted_rand_score(fixed_a, fixed_b)), 6)
        out["cluster_changed_at_k"] = k - matched_heads(fixed_a, fixed_b) if k else 0
    return out


def add_head_map(documents: dict[str, dict[str, Any]]) -> None:
    """Post-processing: MDS coordinates, clusters, nearest heads and the method, in heads.json."""
    heads = documents.get("heads")
    if heads is None or "distance" not in heads:
        return
    distance = np.asarray(heads["distance"], dtype=np.float64)
    seed = int(heads.get("seed", 0))
    xy = mds_2d(distance, seed)
    clusters, scores = cluster_heads(distance)
    heads["mds"] = [[round(float(x), 6), round(float(y), 6)] for x, y in xy]
    heads["cluster"] = [int(c) for c in clusters]
    heads["num_clusters"] = int(clusters.max()) + 1 if len(clusters) else 0
    heads["nearest"] = nearest_heads(distance)
    heads.setdefault("method", {}).update({
        "distance": "mean over rows of the Jensen-Shannon divergence (natural log) between the "
                    "two heads' attention rows, each smoothed 0.999 p + 0.001 / n",
        "mds": f"metric MDS in 2D (scikit-learn SMACOF, started from classical MDS, seed {seed}) "
               "of the distance matrix",
        "clustering": f"agglomerative clustering, {LINKAGE} linkage, of the square root of the "
                      "distances (a Euclidean distance)",
        "cluster_rule": f"number of clusters k with the best mean silhouette score (on the same "
                        f"square-root distances) over "
                        f"k = 2..{MAX_CLUSTERS} (at most heads - 1); ties go to the smaller k",
        "silhouette": {str(k): v for k, v in scores.items()},
        "nearest": f"the {NEAREST} heads at the smallest distance",
    })
