"""Blocks, shards and the one merge order that makes a sharded build equal a single one.

A stream's segments are cut into *blocks* of ``shard_block`` consecutive corpus indices; batches
never cross a block (``plan_batches(block=)``), so a segment's batch, and hence every float its
analyses add up, is the same whatever the batch order, the number of shards ``W`` or the machine.
Shard ``K`` of ``W`` runs the blocks ``[K*n//W, (K+1)*n//W)`` of every stream (contiguous, so
``cat`` states concatenate in corpus order).

Each block's accumulator states form one leaf of a fixed binary tree over the block numbers
(node ``(lo, size)``: blocks ``[lo, lo + size)``, ``size`` a power of two, ``lo`` a multiple of
it), and a node's states are always ``merge(left child, right child)``. A shard merges the whole
nodes inside its range as its leaves arrive (at most one partial node per level is held); the
driver computes the root from the nodes of every shard. Each node's value is defined by the tree
alone, so one process, ``W`` shards and any ``W`` give the very same bits: float sums are added in
one fixed order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.analyses.base import Reduction, merge_states
from generator.errors import HeadAtlasError

States = list[dict[str, Any]]
"""The states of every accumulator of one stream, in registry order (``Accumulator.states``)."""
Node = tuple[int, int]
"""``(lo, size)``: the blocks ``[lo, lo + size)``."""


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (0-based) of ``count``."""

    index: int
    count: int

    @property
    def name(self) -> str:
        return f"shard-{self.index}-of-{self.count}"

    def blocks(self, total: int) -> tuple[int, int]:
        """This shard's blocks ``[a, b)`` of ``total``: contiguous, in shard order."""
        return self.index * total // self.count, (self.index + 1) * total // self.count


WHOLE = Shard(0, 1)


def parse_shard(text: str) -> Shard:
    """``K/W`` (0 <= K < W) as a ``Shard``; a one-line error otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match:
        raise HeadAtlasError(f"--shard {text!r}: expected K/W, e.g. 0/4 (K from 0 to W-1)")
    k, w = int(match.group(1)), int(match.group(2))
    if w < 1 or k >= w:
        raise HeadAtlasError(f"--shard {text!r}: in K/W, K must be 0..W-1 and W at least 1")
    return Shard(k, w)


def num_blocks(segments: int, block: int) -> int:
    return -(-segments // block) if segments else 0


def merge_node(reductions: Sequence[dict[str, Reduction]], left: States | None,
               right: States | None) -> States | None:
    """Two nodes' states (None: no segment there) folded accumulator by accumulator."""
    if left is None:
        return right
    if right is None:
        return left
    return [merge_states(r, a, b) for r, a, b in zip(reductions, left, right, strict=True)]


@dataclass
class TreeBuilder:
    """The nodes of one shard's range ``[start, stop)`` of blocks, fed leaf by leaf in block
    order (a block without segments is a missing leaf, None)."""

    reductions: Sequence[dict[str, Reduction]]
    start: int
    stop: int
    _stack: list[tuple[int, int, States | None]] = field(default_factory=list)
    _next: int = -1

    def __post_init__(self) -> None:
        self._next = self.start

    def add(self, block: int, states: States | None) -> None:
        """The states of ``block`` (blocks come in increasing order; skipped ones are empty)."""
        if not self.start <= block < self.stop or block < self._next:
            raise ValueError(f"block {block} outside [{self._next}, {self.stop}) or repeated")
        while self._next < block:
            self._push(self._next, None)
        self._push(block, states)

    def _push(self, block: int, states: States | None) -> None:
        self._stack.append((block, 1, states))
        self._next = block + 1
        while len(self._stack) >= 2:
            (lo_a, size_a, a), (lo_b, size_b, b) = self._stack[-2], self._stack[-1]
            if size_a != size_b or lo_a % (2 * size_a) or lo_a + size_a != lo_b:
                break
            self._stack[-2:] = [(lo_a, 2 * size_a, merge_node(self.reductions, a, b))]

    def finish(self) -> dict[Node, States | None]:
        """Every whole node of the range, by ``(lo, size)``."""
        while self._next < self.stop:
            self._push(self._next, None)
        return {(lo, size): states for lo, size, states in self._stack}


def root(reductions: Sequence[dict[str, Reduction]], nodes: dict[Node, States | None],
         total: int) -> States | None:
    """The states of all ``total`` blocks from the shards' nodes (which must cover them)."""
    if total == 0:
        return None
    top = 1
    while top < total:
        top *= 2

    def value(lo: int, size: int) -> States | None:
        if lo >= total:
            return None
        if (lo, size) in nodes:
            return nodes[(lo, size)]
        if size == 1:
            raise ValueError(f"block {lo} is in no shard")
        half = size // 2
        return merge_node(reductions, value(lo, half), value(lo + half, half))

    return value(0, top)


def merge_stream(shards: Sequence[dict[str, dict[str, Any]]]) -> States | None:
    """One stream's states from every shard's parts (``pipeline.StreamRun.partials``, in shard
    order): each part's tree root, then the parts in the order of the first shard (batches lent
    by another stream first, as one process runs them)."""
    merged: States | None = None
    for part, first in (shards[0] if shards else {}).items():
        nodes: dict[Node, States | None] = {}
        for shard in shards:
            nodes.update(shard[part]["nodes"])
        reductions = first["reductions"]
        merged = merge_node(reductions, merged, root(reductions, nodes, first["blocks"]))
    return merged
