"""Ranks, means and the top head of plain [layer][head] grids, worked out by hand."""

from __future__ import annotations

import pytest

from generator.render.view import grid_mean, grid_rank, grid_top

GRID = [[0.2, -0.1, 0.05], [0.9, 0.0, -0.3]]


def test_rank_one_is_the_highest() -> None:
    # sorted: .9 (L1-H0), .2 (L0-H0), .05 (L0-H2), 0 (L1-H1), -.1 (L0-H1), -.3 (L1-H2)
    ranks = [[grid_rank(GRID, layer, head) for head in range(3)] for layer in range(2)]
    assert ranks == [[2, 5, 3], [1, 4, 6]]


def test_ties_share_the_better_rank() -> None:
    tied = [[1.0, 3.0], [3.0, 2.0]]
    assert grid_rank(tied, 0, 1) == 1 and grid_rank(tied, 1, 0) == 1
    assert grid_rank(tied, 1, 1) == 3 and grid_rank(tied, 0, 0) == 4


def test_mean_and_top() -> None:
    assert grid_mean(GRID) == pytest.approx(0.75 / 6)
    assert grid_top(GRID) == (1, 0)
    # ties go to the first head in reading order
    assert grid_top([[0.0, 2.0], [2.0, 1.0]]) == (0, 1)
