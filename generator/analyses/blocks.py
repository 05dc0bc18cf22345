"""Block attention per head: how much a word attends to words of its own sentence (part).

Kovaleva et al. (2019) call a head "block" when its tokens attend within their own sentence of
the pair. A segment ``[CLS] A [SEP] B [SEP]`` has parts delimited by [SEP]: a token's part is the
number of [SEP] tokens before it. For every word row i (not a special token),
``block = sum_j A[i, j]`` over words j of i's part; per segment the mean over word rows, then the
mean over segments. ``block_uniform`` is the same for attention spread evenly over all n tokens,
the reference a rule must beat (unequal parts alone push block up).

Decoder (causal) models, SPEC section 11: a decoder segment has no A/B parts (no [SEP]), so there
is no block score. Instead this accumulator scores the other two pattern classes itself, over
the visible entries of rows i >= 1 (row 0 sees only itself): ``vertical`` = the mass of row i on
position 0 (the sink) and on "." or "," columns j <= i; ``diagonal`` = ``A[i, i-1] + A[i, i]``
(there is no visible next token). Per segment the mean over rows i >= 1, then the mean over
segments, as above. The result says ``"attention": "causal"``, which tells the labels (behaviour.py)
to classify by these scores.

Layer slices (``AttentionBatch.layers``): every score is per layer, so a slice adds to its own
layers; segments are counted per layer.
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


def causal_pattern_masks(roles: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """For a decoder's roles [B, N]: (vertical mask [B, N, N], diagonal mask [B, N, N], rows
    [B, N]). Rows are the real tokens i >= 1; vertical marks their visible columns j <= i that
    are position 0 or "." / ","; diagonal marks j = i - 1 and j = i."""
    n = roles.shape[-1]
    idx = torch.arange(n, device=roles.device)
    valid = roles != R.PAD
    rows = valid & (idx >= 1)
    columns = valid & ((roles == R.PUNCT) | (idx == 0))
    visible = idx[None, :] <= idx[:, None]  # [i, j]: j <= i
    near = (idx[None, :] == idx[:, None]) | (idx[None, :] == idx[:, None] - 1)
    vertical = rows[:, :, None] & columns[:, None, :] & visible
    diagonal = rows[:, :, None] & valid[:, None, :] & near
    return vertical, diagonal, rows


class BlockMass(Accumulator):
    """Mean within-part word-to-word attention per head, and its uniform-attention reference
    (decoders: the vertical and diagonal scores instead, see the module docstring)."""

    name = "blocks"
    takes_layer_slices = True
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        self.causal = context.kind == "decoder"
        self.add_state("sum_block", torch.zeros(self.shape, dtype=torch.float64), "sum")
        self.add_state("sum_uniform", torch.zeros((), dtype=torch.float64), "sum")
        self.add_state("sum_vertical", torch.zeros(self.shape, dtype=torch.float64), "sum")
        self.add_state("sum_diagonal", torch.zeros(self.shape, dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros(self.shape[0], dtype=torch.float64), "sum")
        """Segments scored, per layer (a sliced batch adds to its own layers only)."""

    def update(self, batch: AttentionBatch) -> None:
        if self.causal:
            self._update_causal(batch)
            return
        a = batch.attentions
        layers = batch.layer_ids()
        mask, words = same_part_words(batch.roles)
        n_words = words.sum(-1)  # [B]
        keep = n_words > 0
        if not bool(keep.any()):
            return
        denom = n_words.clamp(min=1).to(torch.float64)
        inside = torch.einsum("blhij,bij->blh", a, mask.to(a.dtype)).double()
        self.sum_block[layers] += (inside / denom[:, None, None])[keep].sum(0).cpu()
        if 0 in layers:  # layer-independent: once per segment
            uniform = mask.sum((-1, -2)).double() / (batch.lengths.double() * denom)
            self.sum_uniform += uniform[keep].sum().cpu()
        self.segments[layers] += float(keep.sum())

    def _update_causal(self, batch: AttentionBatch) -> None:
        a = batch.attentions
        layers = batch.layer_ids()
        vertical, diagonal, rows = causal_pattern_masks(batch.roles)
        n_rows = rows.sum(-1)  # [B]
        keep = n_rows > 0
        if not bool(keep.any()):
            return
        denom = n_rows.clamp(min=1).to(torch.float64)[:, None, None]
        for total, mask in ((self.sum_vertical, vertical), (self.sum_diagonal, diagonal)):
            # layer by layer on a contiguous copy: the same float32 products and sums whether
            # the batch is whole or a layer slice (one einsum over [B, L, ...] blocks its sums
            # differently, ~1e-7 apart), so sliced decoder builds write the same digits
            weights = mask.to(a.dtype)
            mass = torch.stack([torch.einsum("bhij,bij->bh", a[:, k].contiguous(), weights)
                                for k in range(a.shape[1])], dim=1).double()
            total[layers] += (mass / denom)[keep].sum(0).cpu()
        self.segments[layers] += float(keep.sum())

    def result(self) -> dict[str, Any]:
        count = self.segments.clamp(min=1)[:, None]
        if self.causal:
            return {"attention": "causal", "pattern_scores": {
                name: [round(v, 6) for v in (total / count).flatten().tolist()]
                for name, total in (("vertical", self.sum_vertical),
                                    ("diagonal", self.sum_diagonal))}}
        block = (self.sum_block / count).flatten().tolist()
        return {
            "pattern_scores": {"block": [round(v, 6) for v in block]},
            "reference": {"block_uniform": round(float(self.sum_uniform / count[0, 0]), 6)},
        }
