"""Maximum spanning arborescence with a fixed root (Chu-Liu/Edmonds), for trees from attention.

Htut et al. (2019) decode a dependency tree from one head's word-level map by taking the maximum
spanning tree rooted at the gold root word. ``scores[d, h]`` is the score of word ``h`` being the
head of word ``d``. The trees come from ``ufal.chu_liu_edmonds`` (C): a BERT-base build decodes
144 heads x 2 directions x ``mst_sentences`` trees, and the pure Python Edmonds this replaced
took 0.42 ms per 2-40 word tree against 0.08 ms (the two agreed on 2,000 random maps;
tests/unit/test_spanning_tree.py checks it against brute force).
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from ufal.chu_liu_edmonds import chu_liu_edmonds

SHIFT = 1.0
"""Added to every score: the best tree is unchanged (every tree has n - 1 edges) and no score
sits near 0, which the library treats as a missing edge."""


def max_spanning_trees(scores: np.ndarray, root: int) -> np.ndarray:
    """Heads of the maximum spanning tree of every ``[..., n, n]`` score matrix, all rooted at
    ``root``: ``[..., n]`` ints, -1 at the root. Self loops are never chosen."""
    s = np.asarray(scores, dtype=np.float64)
    n = s.shape[-1]
    if s.ndim < 2 or s.shape[-2] != n:
        raise ValueError("scores must be square")
    if not 0 <= root < n:
        raise ValueError(f"root {root} outside 0..{n - 1}")
    lead = s.shape[:-2]
    if n == 1:
        return np.full((*lead, 1), -1, dtype=np.int64)
    order = np.array([root] + [i for i in range(n) if i != root])  # the library's root is 0
    m = s[..., order, :][..., order] + SHIFT
    m[..., np.arange(n), np.arange(n)] = np.nan  # NaN: no such edge
    m[..., 0, :] = np.nan
    flat = np.ascontiguousarray(m.reshape(-1, n, n))
    out = np.empty((len(flat), n), dtype=np.int64)
    for k, matrix in enumerate(flat):
        heads, _ = chu_liu_edmonds(matrix)
        out[k, order[1:]] = order[np.asarray(heads[1:])]
    out[:, root] = -1
    return out.reshape(*lead, n)


def max_spanning_tree(scores: np.ndarray | Sequence[Sequence[float]], root: int) -> list[int]:
    """Heads of the maximum spanning tree over ``scores[d][h]`` rooted at ``root``.

    Returns ``heads`` with ``heads[root] == -1`` and every other word's head index. Self loops
    are never chosen.
    """
    return max_spanning_trees(np.asarray(scores, dtype=np.float64), root).tolist()


def undirected_matches(predicted: np.ndarray | Sequence[int], gold: Sequence[int]
                       ) -> np.ndarray:
    """How many gold edges (word, head) appear in each tree ``predicted[..., n]`` ignoring
    direction (for UUAS). A predicted edge d - p matches when p is d's gold head or d is p's;
    two predicted edges of one tree never match the same gold edge (that would be a 2-cycle)."""
    p = np.asarray(predicted, dtype=np.int64)
    g = np.asarray(gold, dtype=np.int64)
    words = np.arange(len(g))
    has_head = p >= 0
    safe = np.where(has_head, p, 0)
    hit = has_head & ((p == g) | (g[safe] == words))
    return hit.sum(-1)


TreeJob = tuple[np.ndarray, int, np.ndarray]
"""``(scores [..., n, n], root, gold heads [n])``: the trees of every map, scored against gold."""


def job_matches(jobs: Sequence[TreeJob]) -> list[np.ndarray]:
    """``undirected_matches`` of every job's spanning trees (``[...]`` ints per job)."""
    return [undirected_matches(max_spanning_trees(scores, root), gold)
            for scores, root, gold in jobs]


def _ignore_interrupts() -> None:
    """Ctrl-C reaches the whole process group: the build stops cleanly, the workers just end
    when it closes their pipe (no second traceback from them)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class SpanningTreeWorkers:
    """Spanning trees in ``workers`` worker processes (none: in this process).

    ``ufal.chu_liu_edmonds`` holds the GIL, so threads cannot share the work; a BERT-base build
    decodes 288 trees per sentence (~20 ms). Each sentence's trees are handed to a worker as soon
    as its word map exists (``submit``), so the caller computes the next maps meanwhile and both
    cores stay busy; results are taken in submission order and are those of one process. A broken
    worker pool falls back to this process.
    """

    def __init__(self, workers: int) -> None:
        self.workers = max(0, workers)
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, job: TreeJob) -> PendingTrees:
        """Start one job's trees; ``result()`` of the returned object gives its matches."""
        if self.workers:
            try:
                pool = self._pool or self._start()
                return PendingTrees(self, job, pool.submit(job_matches, [job]))
            except BrokenProcessPool:
                self.broken()
        return PendingTrees(self, job, None)

    def broken(self) -> None:
        """A worker died: stop using the pool, do the rest in this process."""
        self.close()
        self.workers = 0

    def _start(self) -> ProcessPoolExecutor:
        # Fork on Linux: a spawned worker would import the build's main module (torch,
        # transformers: seconds) before its first tree; the workers run numpy and the C trees
        # only, never torch, as PyTorch's own DataLoader workers do after a fork.
        context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
        self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                         initializer=_ignore_interrupts)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


class PendingTrees:
    """One submitted job: its matches once a worker has them (or from this process)."""

    def __init__(self, owner: SpanningTreeWorkers, job: TreeJob, future: Future | None) -> None:
        self.owner = owner
        self.job = job
        self.future = future

    def result(self) -> np.ndarray:
        if self.future is not None:
            try:
                return self.future.result()[0]
            except BrokenProcessPool:
                self.owner.broken()
        return job_matches([self.job])[0]


