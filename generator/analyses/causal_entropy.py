"""Attention entropy per head of a decoder (causal) LM (SPEC section 11).

Row i sees its i + 1 visible tokens j <= i. It is smoothed over them,
``a' = 0.9999 a + 0.0001 / (i + 1)``, and ``H_i = -sum_{j <= i} a' ln a'`` (nats). Per segment
of n tokens the mean over rows i >= 1 (row 0 is trivial), then the mean over segments:

- ``entropy``: of H_i;
- ``entropy_normalised``: of H_i / ln(i + 1), 1 for uniform attention over the visible tokens,
  since the visible lengths vary from row to row.

``reference.uniform_entropy`` is the same mean of ln(i + 1) (uniform attention over the visible
tokens); ``reference.uniform_entropy_normalised`` is 1.
"""

from __future__ import annotations

from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext, grid
from generator.analyses.causal import fold, layer_index, per_layer, rows_used
from generator.analyses.entropy import SMOOTHING, row_plogp  # the same smoothing
from generator.model.batch import AttentionBatch


class CausalEntropy(Accumulator):
    name = "causal_entropy"
    takes_layer_slices = True
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        self.add_state("sum_entropy", torch.zeros(self.shape, dtype=torch.float64), "sum")
        self.add_state("sum_normalised", torch.zeros(self.shape, dtype=torch.float64), "sum")
        # per layer (batches may be layer slices): segments with a row i >= 1, and their
        # per-segment mean ln(i + 1)
        self.add_state("sum_log_visible", torch.zeros(self.shape[0], dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros(self.shape[0], dtype=torch.float64), "sum")

    def update(self, batch: AttentionBatch) -> None:
        layers = layer_index(batch, self.shape[0])
        a = batch.attentions  # [B, L', H, N, N]
        size = a.shape[-1]
        position = torch.arange(size, device=a.device)
        visible = (position + 1).to(a.dtype)
        floor = (SMOOTHING / visible)[:, None]  # [N, 1]: row i's share
        hidden = position[None, :] > position[:, None]  # [N, N]: j > i, not visible from row i
        # -sum_j a' ln a' per row as a dot product (entropy.row_plogp, as the encoder's
        # entropy); hidden cells are set to 1 so they add 1 ln 1 = 0
        row_entropy = row_plogp(a, floor[None, None], hidden)  # [B, L', H, N]
        row_entropy.neg_()
        rows = rows_used(batch.lengths).to(a.device)
        used = (position[None, :] >= 1) & (position[None, :] <= rows[:, None])  # [B, N]
        weight = used.to(a.dtype) / rows.clamp(min=1).to(a.dtype)[:, None]  # 1/(n-1) per row
        log_visible = torch.log(visible)
        inverse_log = torch.where(position >= 1, 1 / log_visible.clamp(min=1e-30),
                                  torch.zeros_like(log_visible))
        per_segment = (row_entropy * weight[:, None, None, :]).sum(-1)  # [B, L', H]
        normalised = (row_entropy * (weight * inverse_log)[:, None, None, :]).sum(-1)
        fold(self.sum_entropy, layers, per_segment.sum(0))
        fold(self.sum_normalised, layers, normalised.sum(0))
        # the uniform reference in float64 from the lengths alone
        reference = (weight.double() * torch.log1p(position.double())).sum().cpu()
        count = float((rows > 0).sum())
        self.sum_log_visible.index_add_(0, layers, reference.expand(len(layers)).clone())
        self.segments.index_add_(0, layers, torch.full((len(layers),), count,
                                                       dtype=torch.float64))

    def result(self) -> dict[str, Any]:
        uniform = float(self.sum_log_visible.sum() / self.segments.sum().clamp(min=1))
        return {
            "metrics": {
                "entropy": grid(per_layer(self.sum_entropy, self.segments)),
                "entropy_normalised": grid(per_layer(self.sum_normalised, self.segments)),
            },
            "reference": {"uniform_entropy": round(uniform, 6),
                          "uniform_entropy_normalised": 1.0},
        }
