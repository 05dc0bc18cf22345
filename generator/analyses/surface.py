"""Surface statistics per head (SPEC section 2; paper section 3).

For a segment of n tokens and a 0/1 selector S over (i, j): ``sum_ij A*S / denom``, averaged over
segments with equal weight. self/next/prev/cls/sep/punct divide by n; sep_sep by the number of
[SEP] tokens; rest_sep by n minus that number.
"""

from __future__ import annotations

from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext, grid
from generator.model.batch import AttentionBatch

SURFACE_METRICS = ("self", "next", "prev", "cls", "sep", "punct", "sep_sep", "rest_sep")


class SurfaceStats(Accumulator):
    name = "surface"
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        for metric in SURFACE_METRICS:
            self.add_state(f"sum_{metric}", torch.zeros(self.shape, dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros((), dtype=torch.float64), "sum")
        # Segments with at least one [SEP] (sep_sep) and at least one other token (rest_sep).
        self.add_state("segments_with_sep", torch.zeros((), dtype=torch.float64), "sum")
        self.add_state("segments_with_rest", torch.zeros((), dtype=torch.float64), "sum")

    def update(self, batch: AttentionBatch) -> None:
        a = batch.attentions  # [B, L, H, N, N], padding is zero
        n = batch.lengths.to(a.dtype)[:, None, None]  # [B, 1, 1]
        valid, sep = batch.valid.to(a.dtype), batch.is_sep.to(a.dtype)
        received = a.sum(-2)  # [B, L, H, N]: attention each token j receives

        def to_columns(cols: torch.Tensor) -> torch.Tensor:
            return (received * cols[:, None, None, :]).sum(-1)

        per_segment = {
            "self": a.diagonal(0, -2, -1).sum(-1) / n,
            "next": a.diagonal(1, -2, -1).sum(-1) / n,
            "prev": a.diagonal(-1, -2, -1).sum(-1) / n,
            "cls": to_columns(batch.is_cls.to(a.dtype)) / n,
            "sep": to_columns(sep) / n,
            "punct": to_columns(batch.is_punct.to(a.dtype)) / n,
        }
        # attention from each row to [SEP] columns, as one batched matrix-vector product
        to_sep = torch.bmm(a.reshape(a.shape[0], -1, a.shape[-1]), sep[:, :, None])
        to_sep = to_sep.view(a.shape[:-1])  # [B, L, H, N]
        n_sep = sep.sum(-1)[:, None, None]
        n_rest = n - n_sep
        per_segment["sep_sep"] = (to_sep * sep[:, None, None, :]).sum(-1) / n_sep.clamp(min=1)
        rest_rows = (valid - sep)[:, None, None, :]
        per_segment["rest_sep"] = (to_sep * rest_rows).sum(-1) / n_rest.clamp(min=1)
        self.add_segments(per_segment, n_sep, n_rest)

    def add_segments(self, per_segment: dict[str, torch.Tensor], n_sep: torch.Tensor,
                     n_rest: torch.Tensor) -> None:
        """Fold one batch's per-segment values ``[B, L, H]`` of every metric into the sums, with
        each segment's [SEP] and other-token counts (the denominators of sep_sep and rest_sep);
        the norm-based statistics (``norms.NormShares``) fold theirs the same way."""
        for metric, values in per_segment.items():
            state = f"sum_{metric}"
            setattr(self, state, getattr(self, state) + values.sum(0).double().cpu())
        self.segments += n_sep.shape[0]
        self.segments_with_sep += float((n_sep > 0).sum())
        self.segments_with_rest += float((n_rest > 0).sum())

    def result(self) -> dict[str, Any]:
        denominators = {"sep_sep": self.segments_with_sep, "rest_sep": self.segments_with_rest}
        metrics = {}
        for metric in SURFACE_METRICS:
            denom = denominators.get(metric, self.segments).clamp(min=1)
            metrics[metric] = grid(getattr(self, f"sum_{metric}") / denom)
        return {"metrics": metrics}


def add_layer_means(documents: dict[str, dict[str, Any]]) -> None:
    """Post-processing: per-layer averages over heads of every general metric."""
    general = documents.get("general")
    if general is None:
        return
    general["layer_means"] = {
        name: [round(sum(row) / len(row), 6) for row in values]
        for name, values in general["metrics"].items()
    }
