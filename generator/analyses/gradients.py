"""Gradient importance of attention, grouped by the kind of target token (SPEC 4; Figure 3).

For each segment and head: the mean of ``|dL/dA[l, h, i, j]|`` over the segment's rows i and the
target columns j of a group, then averaged over the segments that contain that group (equal
weight per segment). Groups partition the targets as the paper did: ``sep`` ([SEP] tokens),
``punct`` ("." or ","), ``other`` (every other token, [CLS] included). ``cls`` ([CLS] alone) is
reported besides, since sentence encoders pile attention onto it. Per-layer values (mean over
heads) are added by ``add_gradient_layer_means``.

Gradient magnitudes can be far below 1e-6, so values keep 6 significant digits, not 6 decimals.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext
from generator.model.batch import AttentionBatch

GRADIENT_GROUPS = ("sep", "punct", "other", "cls")


def significant(value: float, digits: int = 6) -> float:
    """``value`` rounded to ``digits`` significant digits (stable JSON for tiny magnitudes)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def target_groups(batch: AttentionBatch) -> dict[str, torch.Tensor]:
    """0/1 masks [B, N] of the target tokens in each group (padding in none)."""
    valid, sep, punct, cls = batch.valid, batch.is_sep, batch.is_punct, batch.is_cls
    return {"sep": sep, "punct": punct, "other": valid & ~sep & ~punct, "cls": cls}


class GradientImportance(Accumulator):
    name = "gradients"
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        for group in GRADIENT_GROUPS:
            self.add_state(f"sum_{group}", torch.zeros(self.shape, dtype=torch.float64), "sum")
            self.add_state(f"segments_{group}", torch.zeros((), dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros((), dtype=torch.float64), "sum")

    def update(self, batch: AttentionBatch) -> None:
        grads = getattr(batch, "gradients", None)
        if grads is None:
            raise TypeError("the gradients analysis needs batches from the gradient extractor")
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

    def result(self) -> dict[str, Any]:
        per_head = {}
        for group in GRADIENT_GROUPS:
            values = getattr(self, f"sum_{group}") / getattr(self, f"segments_{group}").clamp(min=1)
            per_head[group] = [[significant(float(v)) for v in row] for row in values.tolist()]
        return {
            "groups": list(GRADIENT_GROUPS),
            "per_head": per_head,
            "segments": int(self.segments),
            "segments_with_group": {g: int(getattr(self, f"segments_{g}"))
                                    for g in GRADIENT_GROUPS},
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
