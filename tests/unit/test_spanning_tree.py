import itertools

import numpy as np
import pytest

from generator.spanning_tree import (
    SpanningTreeWorkers,
    job_matches,
    max_spanning_tree,
    undirected_matches,
)


def _is_tree(heads, root):
    for start in range(len(heads)):
        node, steps = start, 0
        while node != root:
            node = heads[node]
            steps += 1
            if node < 0 or steps > len(heads):
                return False
    return True


def brute_force(scores, root):
    """Best tree by trying every head assignment (a second, obviously correct implementation)."""
    n = len(scores)
    others = [d for d in range(n) if d != root]
    best, best_heads = -np.inf, None
    for choice in itertools.product(range(n), repeat=len(others)):
        heads = [-1] * n
        for d, h in zip(others, choice, strict=True):
            heads[d] = h
        if any(heads[d] == d for d in others) or not _is_tree(heads, root):
            continue
        total = sum(scores[d, heads[d]] for d in others)
        if total > best:
            best, best_heads = total, heads
    return best, best_heads


def test_greedy_tree_is_kept():
    # each word's best head already forms a tree rooted at 0
    s = np.array([[0, 0, 0], [9, 0, 1], [1, 9, 0]], dtype=float)
    assert max_spanning_tree(s, 0) == [-1, 0, 1]


def test_two_cycle_is_broken_where_it_costs_least():
    # words 1 and 2 prefer each other (a cycle); entering from the root is cheaper through 2
    s = np.array([[0, 0, 0], [1, 0, 10], [5, 10, 0]], dtype=float)
    # options: 1->0,2->1: 1+10=11; 2->0,1->2: 5+10=15; both ->0: 6
    assert max_spanning_tree(s, 0) == [-1, 2, 0]


def test_root_never_gets_a_head_and_no_self_loops():
    s = np.full((4, 4), 1.0)
    np.fill_diagonal(s, 100.0)
    s[2, :] = 50.0  # the root's own scores must be ignored
    heads = max_spanning_tree(s, 2)
    assert heads[2] == -1
    assert all(heads[d] != d for d in range(4))
    assert _is_tree(list(heads), 2)


@pytest.mark.parametrize("seed", range(60))
def test_matches_brute_force_on_random_graphs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 6))
    scores = rng.random((n, n))
    root = int(rng.integers(0, n))
    heads = max_spanning_tree(scores, root)
    best, _ = brute_force(scores, root)
    assert _is_tree(list(heads), root)
    assert heads[root] == -1
    total = sum(scores[d, heads[d]] for d in range(n) if d != root)
    assert total == pytest.approx(best)


def test_nested_cycles():
    # 1<->2 and 3<->4 are cycles; after contraction the two super-nodes prefer each other
    s = np.zeros((5, 5))
    s[1, 2], s[2, 1], s[3, 4], s[4, 3] = 10, 10, 10, 10
    s[1, 3], s[3, 1] = 5, 5
    s[2, 0] = 1
    best, _ = brute_force(s, 0)
    heads = max_spanning_tree(s, 0)
    assert sum(s[d, heads[d]] for d in range(1, 5)) == pytest.approx(best)
    assert list(heads) == [-1, 2, 0, 1, 3]


def test_undirected_matches_ignore_direction():
    gold = [-1, 0, 1]  # 1->0, 2->1
    assert undirected_matches([1, -1, 1], gold) == 2  # 0->1, 2->1: same edges, one flipped
    assert undirected_matches([-1, 0, 0], gold) == 1


@pytest.mark.parametrize("seed", range(8))
def test_matches_brute_force_on_sentence_like_maps(seed):
    # Peaked rows like attention (softmax of scaled noise), 7 words: many cycles to contract.
    rng = np.random.default_rng(100 + seed)
    logits = rng.normal(size=(7, 7)) * 4
    scores = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    root = int(rng.integers(0, 7))
    heads = max_spanning_tree(scores, root)
    best, _ = brute_force(scores, root)
    assert _is_tree(list(heads), root)
    assert sum(scores[d, heads[d]] for d in range(7) if d != root) == pytest.approx(best)


def shared_out(pool, jobs):
    """Every job submitted first, then the results taken in order (as the syntax analysis
    does)."""
    return [pending.result() for pending in [pool.submit(job) for job in jobs]]


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_workers_give_the_matches_of_one_process_in_job_order(workers):
    rng = np.random.default_rng(7)
    jobs = []
    for n in (2, 9, 3, 14, 5, 30, 7):
        scores = rng.random((2, 3, 4, n, n))
        gold = rng.integers(0, n, n)
        root = int(rng.integers(0, n))
        gold[root] = -1
        jobs.append((scores, root, gold))
    expected = job_matches(jobs)
    pool = SpanningTreeWorkers(workers)
    try:
        got = shared_out(pool, jobs)
        again = shared_out(pool, jobs[::-1])  # the pool is reused
    finally:
        pool.close()
    assert len(got) == len(jobs)
    for a, b in zip(got, expected, strict=True):
        assert a.shape == (2, 3, 4) and np.array_equal(a, b)
    for a, b in zip(again, expected[::-1], strict=True):
        assert np.array_equal(a, b)


def test_a_broken_worker_pool_falls_back_to_this_process():
    rng = np.random.default_rng(8)
    jobs = [(rng.random((5, n, n)), 0, np.array([-1] + [0] * (n - 1))) for n in (4, 6, 8)]
    pool = SpanningTreeWorkers(1)
    try:
        shared_out(pool, jobs)  # starts the worker
        for process in pool._pool._processes.values():
            process.kill()
            process.join()
        got = shared_out(pool, jobs)
    finally:
        pool.close()
    assert pool.workers == 0
    for a, b in zip(got, job_matches(jobs), strict=True):
        assert np.array_equal(a, b)
