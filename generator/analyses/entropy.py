"""Attention entropy per head (SPEC section 3).

Each row is smoothed ``a' = 0.9999 a + 0.0001 / n`` (n = row length) and its entropy
``-sum_j a' ln a'`` taken in nats; per head the mean over rows, then over segments. Also the
[CLS] row (row 0) alone, and the uniform reference ``mean ln n``.
"""

from __future__ import annotations

from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext, grid
from generator.model.batch import AttentionBatch

SMOOTHING = 0.0001


class AttentionEntropy(Accumulator):
    name = "entropy"
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        self.add_state("sum_entropy", torch.zeros(self.shape, dtype=torch.float64), "sum")
        self.add_state("sum_cls_entropy", torch.zeros(self.shape, dtype=torch.float64), "sum")
        self.add_state("sum_log_n", torch.zeros((), dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros((), dtype=torch.float64), "sum")

    def update(self, batch: AttentionBatch) -> None:
        a = batch.attentions
        n = batch.lengths.to(a.dtype)
        valid = batch.valid.to(a.dtype)
        floor = (SMOOTHING / n)[:, None, None, None]
        # -sum_j p ln p as a batched dot product per row, one layer at a time through two
        # reused buffers (cache-sized, no fresh pages: measured 3x faster than whole-batch ops)
        rows = torch.empty(a.shape[:-1], dtype=a.dtype, device=a.device)  # [B, L, H, N]
        smoothed = torch.empty_like(a[:, 0])
        logs = torch.empty_like(smoothed)
        for layer in range(a.shape[1]):
            torch.mul(a[:, layer], 1 - SMOOTHING, out=smoothed).add_(floor)
            torch.log(smoothed, out=logs)
            torch.linalg.vecdot(smoothed, logs, out=rows[:, layer])
        rows.neg_()
        # padding columns hold p = floor; take their terms back out analytically
        pad_columns = (a.shape[-1] - n)[:, None, None, None]
        rows += pad_columns * (floor[..., 0, None] * floor[..., 0, None].log())
        per_segment = (rows * valid[:, None, None, :]).sum(-1) / n[:, None, None]
        self.sum_entropy += per_segment.sum(0).double().cpu()
        self.sum_cls_entropy += rows[..., 0].sum(0).double().cpu()
        self.sum_log_n += torch.log(n.double()).sum().cpu()
        self.segments += batch.size

    def result(self) -> dict[str, Any]:
        count = self.segments.clamp(min=1)
        return {
            "metrics": {
                "entropy": grid(self.sum_entropy / count),
                "cls_entropy": grid(self.sum_cls_entropy / count),
            },
            "reference": {"uniform_entropy": round(float(self.sum_log_n / count), 6)},
        }
