"""Surface statistics per head of a decoder (causal) LM (SPEC section 11).

For a segment of n tokens, over its rows i >= 1 (row 0 sees only itself):

- ``first`` = A[i, 0], the attention sink (position 0 is the BOS token when the segments start
  with one);
- ``self`` = A[i, i];
- ``prev`` = A[i, i - 1];
- ``punct`` = the sum of A[i, j] over the columns j of "." or "," tokens.

Each is the mean over those n - 1 rows, then the mean over segments with equal weight. There is
no next (always 0 under the causal mask), cls, sep, sep_sep or rest_sep. One-token segments have
no such row and are left out.
"""

from __future__ import annotations

from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext, grid
from generator.analyses.causal import fold, layer_index, per_layer, rows_used
from generator.model.batch import AttentionBatch

CAUSAL_SURFACE_METRICS = ("first", "self", "prev", "punct")


class CausalSurfaceStats(Accumulator):
    """first/self/prev/punct per head, into general.json's ``metrics``; also writes
    ``architecture_kind: "decoder"`` there, which the labels read."""
    takes_layer_slices = True

    name = "causal_surface"
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        for metric in CAUSAL_SURFACE_METRICS:
            self.add_state(f"sum_{metric}", torch.zeros(self.shape, dtype=torch.float64), "sum")
        # segments with at least one row i >= 1, counted per layer (batches may be layer slices)
        self.add_state("segments", torch.zeros(self.shape[0], dtype=torch.float64), "sum")

    def update(self, batch: AttentionBatch) -> None:
        layers = layer_index(batch, self.shape[0])
        a = batch.attentions  # [B, L', H, N, N], padding rows and columns are zero
        rows = rows_used(batch.lengths).to(a.device)
        below = a[..., 1:, :]  # rows i >= 1
        punct = batch.is_punct.to(a.dtype)[:, None, None, :, None]  # [B, 1, 1, N, 1]
        per_segment = {
            "first": below[..., 0].sum(-1),
            "self": a.diagonal(0, -2, -1)[..., 1:].sum(-1),
            "prev": a.diagonal(-1, -2, -1).sum(-1),
            "punct": torch.matmul(below, punct).sum((-2, -1)),
        }
        self.add_segments(per_segment, layers, rows)

    def add_segments(self, per_segment: dict[str, torch.Tensor], layers: torch.Tensor,
                     rows: torch.Tensor) -> None:
        """Fold one batch's per-segment row sums ``[B, L', H]`` of every metric into the sums of
        ``layers``, each segment averaged over its ``rows`` (rows i >= 1); the norm-based
        statistics (``norms.CausalNormShares``) fold theirs the same way."""
        dtype = next(iter(per_segment.values())).dtype
        scale = (1 / rows.clamp(min=1).to(dtype))[:, None, None]  # [B, 1, 1]
        for metric, values in per_segment.items():
            fold(getattr(self, f"sum_{metric}"), layers, (values * scale).sum(0))
        used = float((rows > 0).sum())
        self.segments.index_add_(0, layers, torch.full((len(layers),), used,
                                                       dtype=torch.float64))

    def metrics(self) -> dict[str, list[list[float]]]:
        return {metric: grid(per_layer(getattr(self, f"sum_{metric}"), self.segments))
                for metric in CAUSAL_SURFACE_METRICS}

    def result(self) -> dict[str, Any]:
        return {"architecture_kind": "decoder", "metrics": self.metrics()}


class NoBosSurface(CausalSurfaceStats):
    """The same statistics on the segments without their BOS token (the sink check of SPEC
    section 11: does the sink follow the BOS token or position 0?). Its result sits under
    general.json's ``no_bos`` so it never mixes with the main metrics; ``add_sinks`` compares
    its ``first`` with the main one."""

    name = "no_bos_surface"

    def result(self) -> dict[str, Any]:
        return {"no_bos": {"metrics": self.metrics(),
                           "segments": int(self.segments.max()) if len(self.segments) else 0}}
