"""Block attention per head: how much a word attends to words of its own sentence (part).

Kovaleva et al. (2019) call a head "block" when its tokens attend within their own sentence of
the pair. A segment ``[CLS] A [SEP] B [SEP]`` has parts delimited by [SEP]: a token's part is the
number of [SEP] tokens before it. For every word row i (not a special token),
``block = sum_j A[i, j]`` over words j of i's part; per segment the mean over word rows, then the
mean over segments. ``block_uniform`` is the same for attention spread evenly over all n tokens,
the reference a rule must beat (unequal parts alone push block up).
"""

from __future__ import annotations

from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext
from generator.model import roles as R
from generator.model.batch import AttentionBatch


def same_part_words(roles: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For roles [B, N]: (mask [B, N, N] of word pairs in the same part, word mask [B, N])."""
    sep = roles == R.SEP
    part = torch.cumsum(sep.long(), dim=-1) - sep.long()
    words = (roles == R.WORD) | (roles == R.PUNCT)
    same = part[:, :, None] == part[:, None, :]
    return same & words[:, :, None] & words[:, None, :], words


class BlockMass(Accumulator):
    """Mean within-part word-to-word attention per head, and its uniform-attention reference."""

    name = "blocks"
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        self.add_state("sum_block", torch.zeros(self.shape, dtype=torch.float64), "sum")
        self.add_state("sum_uniform", torch.zeros((), dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros((), dtype=torch.float64), "sum")

    def update(self, batch: AttentionBatch) -> None:
        a = batch.attentions
        mask, words = same_part_words(batch.roles)
        n_words = words.sum(-1)  # [B]
        keep = n_words > 0
        if not bool(keep.any()):
            return
        denom = n_words.clamp(min=1).to(torch.float64)
        inside = torch.einsum("blhij,bij->blh", a, mask.to(a.dtype)).double()
        self.sum_block += (inside / denom[:, None, None])[keep].sum(0).cpu()
        uniform = mask.sum((-1, -2)).double() / (batch.lengths.double() * denom)
        self.sum_uniform += uniform[keep].sum().cpu()
        self.segments += float(keep.sum())

    def result(self) -> dict[str, Any]:
        count = self.segments.clamp(min=1)
        block = (self.sum_block / count).flatten().tolist()
        return {
            "pattern_scores": {"block": [round(v, 6) for v in block]},
            "reference": {"block_uniform": round(float(self.sum_uniform / count), 6)},
        }
