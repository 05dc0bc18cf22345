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
from generator.threads import deal, on_cores

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
        rows = row_plogp(a, floor)  # [B, L, H, N]
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


def row_plogp(a: torch.Tensor, floor: torch.Tensor, hidden: torch.Tensor | None = None,
              per_segment: bool | None = None) -> torch.Tensor:
    """``sum_j p ln p`` of every row of ``a`` [B, L, H, N, N], ``p = (1 - SMOOTHING) a + floor``
    (``floor`` [B or 1, 1, N or 1, 1], broadcast over one layer [B, H, N, N]; ``hidden`` [N, N]:
    cells set to p = 1 first, adding 1 ln 1 = 0), as a dot product per row through two reused
    buffers: [B, L, H, N].

    On a CPU one segment's layer at a time, the segments dealt to worker threads with one core
    each (H x N x N: 0.8 MB for 12 heads of 128 tokens, so the map, the smoothed map and its
    logarithm stay in that core's L2 cache between the three ops;
    issue 20 measured about half the CPU time of whole layers of a batch, whose 13 MB buffers
    did not fit). On a GPU, where each op is a kernel launch, a whole layer of the batch at a
    time. The same elementwise ops and the same per-row dot products either way: identical
    bits. ``per_segment`` None: per segment on a CPU."""
    rows = torch.empty(a.shape[:-1], dtype=a.dtype, device=a.device)
    if per_segment if per_segment is not None else a.device.type == "cpu":
        def run(segments: list[int]) -> None:
            smoothed = torch.empty_like(a[0, 0])
            logs = torch.empty_like(smoothed)
            for b in segments:
                share = floor[b if floor.shape[0] > 1 else 0]  # [1, N or 1, 1]
                for layer in range(a.shape[1]):
                    torch.mul(a[b, layer], 1 - SMOOTHING, out=smoothed).add_(share)
                    if hidden is not None:
                        smoothed.masked_fill_(hidden, 1.0)
                    torch.log(smoothed, out=logs)
                    torch.linalg.vecdot(smoothed, logs, out=rows[b, layer])

        # the segments dealt to worker threads, one core each (generator.threads.on_cores:
        # no barrier after each of these small ops)
        on_cores(run, deal([1] * a.shape[0], torch.get_num_threads()))
        return rows
    smoothed = torch.empty_like(a[:, 0])
    logs = torch.empty_like(smoothed)
    for layer in range(a.shape[1]):
        torch.mul(a[:, layer], 1 - SMOOTHING, out=smoothed).add_(floor)
        if hidden is not None:
            smoothed.masked_fill_(hidden, 1.0)
        torch.log(smoothed, out=logs)
        torch.linalg.vecdot(smoothed, logs, out=rows[:, layer])
    return rows
