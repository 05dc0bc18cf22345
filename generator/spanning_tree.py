"""Maximum spanning arborescence with a fixed root (Chu-Liu/Edmonds), for trees from attention.

Htut et al. (2019) decode a dependency tree from one head's word-level map by taking the maximum
spanning tree rooted at the gold root word. ``scores[d, h]`` is the score of word ``h`` being the
head of word ``d``. The greedy choice of each word's best head is kept unless it forms a cycle;
a cycle is contracted into one node, the smaller problem solved, and the cycle broken where the
contracted node's chosen incoming edge enters it (Edmonds 1967). Plain Python lists: for the
sentence-sized graphs here they are about twice as fast as numpy's per-call overhead allows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

NEG = -math.inf


def _argmax(row: list[float]) -> int:
    best, arg = NEG, -1
    for j, v in enumerate(row):
        if v > best:
            best, arg = v, j
    return arg


def _find_cycle(heads: list[int], root: int) -> list[int] | None:
    """One cycle of the functional graph ``d -> heads[d]`` (the root has no head), or None."""
    state = [0] * len(heads)  # 0 unseen, 1 on the current path, 2 done
    state[root] = 2
    for start in range(len(heads)):
        path: list[int] = []
        node = start
        while state[node] == 0:
            state[node] = 1
            path.append(node)
            node = heads[node]
        if state[node] == 1:  # came back onto the current path: a cycle
            return path[path.index(node):]
        for p in path:
            state[p] = 2
    return None


def _solve(s: list[list[float]], root: int, heads: list[int]) -> list[int]:
    """``heads``: each word's best-scoring head (any maximum), -1 for the root."""
    n = len(s)
    if n == 1:
        return [-1]
    cycle = _find_cycle(heads, root)
    if cycle is None:
        return heads
    members = set(cycle)
    outside = [v for v in range(n) if v not in members]  # includes the root
    c = len(outside)  # index of the contracted node in the smaller problem
    small = [[s[d][h] for h in outside] + [NEG] for d in outside]
    # An outside word takes the contracted node as head through its best cycle member.
    best_member = []
    for k, d in enumerate(outside):
        row = s[d]
        m = max(cycle, key=row.__getitem__)
        best_member.append(m)
        small[k][c] = row[m]
    # The contracted node takes outside head h by breaking the cycle at the member d that
    # gains the most: s[d][h] - s[d][heads[d]].
    kept = {d: s[d][heads[d]] for d in cycle}
    best_entry = []
    row_c = []
    for h in outside:
        m = max(cycle, key=lambda d, h=h: s[d][h] - kept[d])
        best_entry.append(m)
        row_c.append(s[m][h] - kept[m])
    small.append(row_c + [NEG])
    r = outside.index(root)
    small[r] = [NEG] * (c + 1)
    # Greedy heads carry over: an outside word whose best head was in the cycle now has the
    # contracted node as (an equally good) best head; only the new node needs an argmax.
    position = {old: new for new, old in enumerate(outside)}
    small_heads = [-1 if heads[d] == -1 else position.get(heads[d], c) for d in outside]
    small_heads.append(_argmax(small[c]))
    sub = _solve(small, r, small_heads)
    result = heads[:]
    for k, old in enumerate(outside):
        h = sub[k]
        result[old] = -1 if h == -1 else (best_member[k] if h == c else outside[h])
    result[best_entry[sub[c]]] = outside[sub[c]]
    return result


def max_spanning_tree(scores: np.ndarray | Sequence[Sequence[float]], root: int) -> list[int]:
    """Heads of the maximum spanning tree over ``scores[d][h]`` rooted at ``root``.

    Returns ``heads`` with ``heads[root] == -1`` and every other word's head index. Self loops
    are never chosen. Ties go to the lower index.
    """
    s = [[float(v) for v in row] for row in np.asarray(scores, dtype=np.float64).tolist()]
    n = len(s)
    if any(len(row) != n for row in s):
        raise ValueError("scores must be square")
    if not 0 <= root < n:
        raise ValueError(f"root {root} outside 0..{n - 1}")
    for i in range(n):
        s[i][i] = NEG
    s[root] = [NEG] * n
    heads = [_argmax(row) for row in s]
    heads[root] = -1
    return _solve(s, root, heads)


def undirected_matches(predicted: Sequence[int], gold: Sequence[int]) -> int:
    """How many gold edges (word, head) appear in ``predicted`` ignoring direction (for UUAS)."""
    def edges(heads: Sequence[int]) -> set[tuple[int, int]]:
        return {(min(d, int(h)), max(d, int(h))) for d, h in enumerate(heads) if h >= 0}

    return len(edges(predicted) & edges(gold))
