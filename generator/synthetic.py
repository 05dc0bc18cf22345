"""Synthetic repeated sequences for induction and duplicate-token heads (SPEC section 11).

After Olsson et al. 2022 ("In-context Learning and Induction Heads") and TransformerLens' head
detectors: each sequence is ``[BOS] + R + R`` with R drawn uniformly (with replacement, seeded)
from the allowed token ids (the vocabulary without special tokens). In the second copy, position
i holds the same token as ``i - length`` (a duplicate-token head attends there) and the token at
``i - length + 1`` followed that token's earlier occurrence (an induction head attends there).
Pure: no model, no tokenizer; the stream that feeds the model calls it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SyntheticLayout:
    """Where the two copies sit: ``offset`` tokens before them (1 with a BOS, else 0), each copy
    ``repeat_length`` tokens. Handed to ``InductionScores`` as ``AnalysisContext.data``."""

    repeat_length: int
    offset: int = 1

    def __post_init__(self) -> None:
        if self.repeat_length < 2:
            raise ValueError(f"repeat_length {self.repeat_length}: at least 2")
        if self.offset < 0:
            raise ValueError(f"offset {self.offset}: at least 0")

    @property
    def length(self) -> int:
        """Tokens per sequence."""
        return self.offset + 2 * self.repeat_length

    @property
    def second_copy(self) -> range:
        """Positions i of the second copy: the rows the scores average over."""
        return range(self.offset + self.repeat_length, self.length)


def synthetic_sequences(allowed_ids: Sequence[int], count: int = 100, length: int = 50, *,
                        seed: int, bos_id: int | None) -> list[list[int]]:
    """``count`` sequences ``[bos_id] + R + R`` (no BOS when ``bos_id`` is None), R of
    ``length`` ids drawn uniformly with replacement from the distinct ``allowed_ids``.

    Seeded with its own ``random.Random(seed)``; the ids are sorted first, so the same set of ids
    and seed give the same sequences whatever order the ids come in.
    """
    pool = sorted(set(allowed_ids))
    if not pool:
        raise ValueError("no allowed token ids to draw from")
    if count < 1:
        raise ValueError(f"count {count}: at least 1")
    if length < 2:
        raise ValueError(f"length {length}: at least 2")
    rng = random.Random(seed)
    head = [] if bos_id is None else [bos_id]
    sequences = []
    for _ in range(count):
        repeat = [pool[rng.randrange(len(pool))] for _ in range(length)]
        sequences.append(head + repeat + repeat)
    return sequences


def layout_of(length: int, bos_id: int | None) -> SyntheticLayout:
    """The layout of ``synthetic_sequences(..., length=length, bos_id=bos_id)``."""
    return SyntheticLayout(repeat_length=length, offset=0 if bos_id is None else 1)
