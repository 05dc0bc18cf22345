"""The block merge tree (generator/shards.py): every shard layout gives the same bits."""

from __future__ import annotations

import pytest
import torch

from generator.errors import HeadAtlasError
from generator.shards import Shard, TreeBuilder, num_blocks, parse_shard, root

REDUCTIONS = [{"x": "sum", "m": "max", "c": "cat"}]


def leaf(block: int) -> list[dict]:
    # float32 sums whose value depends on the order of addition
    value = [1e8, 3.0, 3.0, 3.0, 3.0, -1e8, 0.0, 0.5, 2.5][block % 9] * (1 + block // 9)
    return [{"x": torch.tensor([value], dtype=torch.float32),
             "m": torch.tensor([block]), "c": [block]}]


def canonical(lo: int, size: int, total: int):
    """A second implementation: the tree of merges written out directly."""
    if lo >= total:
        return None
    if size == 1:
        return leaf(lo)[0]
    a, b = canonical(lo, size // 2, total), canonical(lo + size // 2, size // 2, total)
    if b is None:
        return a
    return {"x": a["x"] + b["x"], "m": torch.maximum(a["m"], b["m"]), "c": a["c"] + b["c"]}


def merged(total: int, count: int, missing: frozenset = frozenset()):
    nodes = {}
    for k in range(count):
        a, b = Shard(k, count).blocks(total)
        tree = TreeBuilder(REDUCTIONS, a, b)
        for block in range(a, b):
            if block not in missing:
                tree.add(block, leaf(block))
        nodes.update(tree.finish())
    return root(REDUCTIONS, nodes, total)


@pytest.mark.parametrize("total", range(1, 12))
def test_every_shard_count_gives_the_bits_of_one(total):
    top = 1
    while top < total:
        top *= 2
    expected = canonical(0, top, total)
    for count in range(1, total + 2):
        (got,) = merged(total, count)
        assert got["x"].view(torch.int32).item() == expected["x"].view(torch.int32).item()
        assert got["c"] == list(range(total))  # cat states in corpus (block) order
        assert got["m"].item() == total - 1


def test_the_order_matters_here_so_the_test_can_fail():
    # a left fold of the same leaves gives other bits: the tree is what makes them equal
    fold = leaf(0)[0]["x"]
    for block in range(1, 7):
        fold = fold + leaf(block)[0]["x"]
    assert fold.item() != canonical(0, 8, 7)["x"].item()


def test_empty_blocks_are_skipped_alike():
    one = merged(7, 1, frozenset({2, 5}))
    for count in (2, 3, 7):
        assert merged(7, count, frozenset({2, 5}))[0]["c"] == one[0]["c"] == [0, 1, 3, 4, 6]


def test_a_block_in_no_shard_is_an_error():
    tree = TreeBuilder(REDUCTIONS, 0, 2)
    tree.add(0, leaf(0))
    with pytest.raises(ValueError, match="block 2 is in no shard"):
        root(REDUCTIONS, tree.finish(), 3)


def test_shard_blocks_cover_every_block_once():
    for total in range(0, 10):
        for count in range(1, 6):
            covered = [b for k in range(count) for b in range(*Shard(k, count).blocks(total))]
            assert covered == list(range(total))
    assert num_blocks(0, 4) == 0 and num_blocks(9, 4) == 3


def test_parse_shard():
    assert parse_shard("2/5") == Shard(2, 5)
    assert Shard(2, 5).name == "shard-2-of-5"
    for bad in ("5/5", "1", "a/b", "0/0", "-1/2"):
        with pytest.raises(HeadAtlasError):
            parse_shard(bad)
