"""Gradient importance of attention, grouped by the kind of target token (SPEC 4; Figure 3).

For each segment and head: the mean of ``|dL/dA[l, h, i, j]|`` over the segment's rows i and the
target columns j of a group, then averaged over the segments that contain that group (equal
weight per segment). Groups partition the targets as the paper did: ``sep`` ([SEP] tokens),
``punct`` ("." or ","), ``other`` (every other token, [CLS] included). ``cls`` ([CLS] alone) is
reported besides, since sentence encoders pile attention onto it. Per-layer values (mean over
heads) are added by ``add_gradient_layer_means``.

A decoder (``AnalysisContext.kind``, SPEC section 11; objective ``next_token``) has no [SEP] or
[CLS]: its groups are ``first`` (position 0, the sink), ``punct`` ("." or "," at positions j >= 1)
and ``other`` (every other token j >= 1), which partition each row's visible tokens. Only the
visible pairs count, rows i >= 1 and columns j <= i: row 0 sees only itself, and the masked
entries j > i hold no attention the model can give (autograd still returns a gradient there).
Per segment and head the mean over the group's visible pairs (pooled over rows), then the mean
over the segments that have such a pair.

Gradient magnitudes can be far below 1e-6, so values keep 6 significant digits, not 6 decimals.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext
from generator.model.batch import AttentionBatch

GRADIENT_GROUPS = ("sep", "punct", "other", "cls")
DECODER_GRADIENT_GROUPS = ("first", "punct", "other")


def significant(value: float, digits: int = 6) -> float:
    """``value`` rounded to ``digits`` significant digits (stable JSON for tiny magnitudes)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def target_groups(batch: AttentionBatch) -> dict[str, torch.Tensor]:
    """0/1 masks [B, N] of the target tokens in each group (padding in none)."""
    valid, sep, punct, cls = batch.valid, batch.is_sep, batch.is_punct, batch.is_cls
    return {"sep": sep, "punct": punct, "other": valid & ~sep & ~punct, "cls": cls}


def decoder_target_groups(batch: AttentionBatch) -> dict[str, torch.Tensor]:
    """A decoder's groups as 0/1 masks [B, N] of target columns (padding in none): position 0,
    then "." or "," and every other token among positions j >= 1."""
    valid = batch.valid
    first = torch.zeros_like(valid)
    first[:, 0] = valid[:, 0]
    later = valid & ~first
    return {"first": first, "punct": later & batch.is_punct, "other": later & ~batch.is_punct}


class GradientImportance(Accumulator):
    name = "gradients"
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        self.causal = context.kind == "decoder"
        self.groups = DECODER_GRADIENT_GROUPS if self.causal else GRADIENT_GROUPS
        for group in self.groups:
            self.add_state(f"sum_{group}", torch.zeros(self.shape, dtype=torch.float64), "sum")
            self.add_state(f"segments_{group}", torch.zeros((), dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros((), dtype=torch.float64), "sum")

    def update(self, batch: AttentionBatch) -> None:
        grads = getattr(batch, "gradients", None)
        if grads is None:
            raise TypeError("the gradients analysis needs batches from the gradient extractor")
        if self.causal:
            self._update_causal(batch, grads)
            return
        magnitude = grads.abs().double()  # [B, L, H, N, N]
        rows = batch.valid.double()  # [B, N]
        per_row_sum = (magnitude * rows[:, None, None, :, None]).sum(-2)  # [B, L, H, N] per j
        n_rows = rows.sum(-1)  # [B]
        for group, cols in target_groups(batch).items():
            cols = cols.double()
            n_cols = cols.sum(-1)  # [B]
            total = (per_row_sum * cols[:, None, None, :]).sum(-1)  # [B, L, H]
            present = n_cols > 0
            mean = total / (n_rows * n_cols).clamp(min=1)[:, None, None]
            state = f"sum_{group}"
            setattr(self, state, getattr(self, state) + mean[present].sum(0).cpu())
            count = f"segments_{group}"
            setattr(self, count, getattr(self, count) + float(present.sum()))
        self.segments += batch.size

    def _update_causal(self, batch: AttentionBatch, grads: torch.Tensor) -> None:
        """A decoder's batch: per segment, head and group the mean |dL/dA| over the visible
        pairs (i >= 1, j <= i) whose column j is in the group."""
        magnitude = grads.abs().double()  # [B, L, H, N, N]
        size = magnitude.shape[-1]
        position = torch.arange(size, device=magnitude.device)
        visible = (position[None, :] <= position[:, None]) & (position[:, None] >= 1)  # [N, N]
        rows = batch.valid.double()[:, :, None] * visible.double()  # [B, N(i), N(j)]
        for group, cols in decoder_target_groups(batch).items():
            pairs = rows * cols.double()[:, None, :]  # [B, N, N]
            count = pairs.sum((-2, -1))  # [B]
            total = torch.einsum("blhij,bij->blh", magnitude, pairs)
            present = count > 0
            mean = total / count.clamp(min=1)[:, None, None]
            state = f"sum_{group}"
            setattr(self, state, getattr(self, state) + mean[present].sum(0).cpu())
            counted = f"segments_{group}"
            setattr(self, counted, getattr(self, counted) + float(present.sum()))
        self.segments += batch.size

    def result(self) -> dict[str, Any]:
        per_head = {}
        for group in self.groups:
            values = getattr(self, f"sum_{group}") / getattr(self, f"segments_{group}").clamp(min=1)
            per_head[group] = [[significant(float(v)) for v in row] for row in values.tolist()]
        return {
            "groups": list(self.groups),
            "per_head": per_head,
            "segments": int(self.segments),
            "segments_with_group": {g: int(getattr(self, f"segments_{g}"))
                                    for g in self.groups},
        }


def add_gradient_layer_means(documents: dict[str, dict[str, Any]]) -> None:
    """Post-processing: per-layer means over heads of each group (the bars of Figure 3)."""
    doc = documents.get("gradients")
    if doc is None or "per_head" not in doc:
        return
    doc["per_layer"] = {
        group: [significant(sum(row) / len(row)) for row in grid]
        for group, grid in doc["per_head"].items()
    }
