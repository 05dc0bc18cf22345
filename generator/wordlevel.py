"""Word-level attention maps from token-level ones (SPEC section 5; paper section 4.1).

A word split into several wordpieces receives the SUM of its pieces' columns ("to"), and gives
the MEAN of its pieces' rows ("from"; the paper) or its first piece's row (the authors' code).
Rows still sum to 1. Special tokens stay as their own positions. Words are aligned to
wordpieces with the tokenizer's word ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import torch


@dataclass(frozen=True)
class WordUnits:
    """The positions of a word-level map: each is a word (``word`` >= 0) or a special token."""

    word: tuple[int, ...]  # word index, or -1 for a special token
    first_token: tuple[int, ...]  # token position where the unit starts

    @property
    def size(self) -> int:
        return len(self.word)

    def word_positions(self) -> list[int]:
        """Unit index of each word, in word order (words are numbered 0..W-1)."""
        pos = {w: u for u, w in enumerate(self.word) if w >= 0}
        return [pos[w] for w in sorted(pos)]


def word_units(word_ids: Sequence[int]) -> tuple[WordUnits, torch.Tensor]:
    """Units of a token sequence and the 0/1 membership matrix P [units, tokens]."""
    unit_of_word: dict[int, int] = {}
    words: list[int] = []
    first: list[int] = []
    owner: list[int] = []
    for t, w in enumerate(word_ids):
        if w < 0:
            owner.append(len(words))
            words.append(-1)
            first.append(t)
        else:
            if w not in unit_of_word:
                unit_of_word[w] = len(words)
                words.append(w)
                first.append(t)
            owner.append(unit_of_word[w])
    membership = torch.zeros(len(words), len(word_ids))
    membership[torch.tensor(owner), torch.arange(len(word_ids))] = 1.0
    return WordUnits(tuple(words), tuple(first)), membership


def to_word_level(
    attention: torch.Tensor,
    word_ids: Sequence[int],
    rows: Literal["mean", "first"] = "mean",
) -> tuple[torch.Tensor, WordUnits]:
    """Convert ``attention[..., n, n]`` (n = len(word_ids)) to ``[..., m, m]`` over units."""
    n = len(word_ids)
    if attention.shape[-1] < n or attention.shape[-2] < n:
        raise ValueError(f"attention has {attention.shape[-1]} tokens, word_ids {n}")
    units, membership = word_units(word_ids)
    membership = membership.to(attention.dtype)
    a = attention[..., :n, :n]
    if rows == "mean":
        pick = membership / membership.sum(1, keepdim=True)
    elif rows == "first":
        pick = torch.zeros_like(membership)
        pick[torch.arange(units.size), torch.tensor(units.first_token)] = 1.0
    else:
        raise ValueError(f"rows must be 'mean' or 'first', got {rows!r}")
    return pick @ a @ membership.T, units
