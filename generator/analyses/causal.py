"""Shared pieces of the decoder (causal) statistics (SPEC section 11).

A causal row i sees columns j <= i only, so row 0 always puts all its weight on itself: every
per-row average of a decoder statistic uses rows i >= 1, and a segment of one token has none
(it is left out, and not counted).

A batch may carry only some of the model's layers (``AttentionBatch.layers``: large decoders are
extracted one layer at a time). The decoder accumulators therefore keep every denominator per
layer ([L] states) and fold a batch's values into the rows of the layers it holds, so a batch fed
whole or as one-layer slices in any order gives the same states.
"""

from __future__ import annotations

import torch

from generator.model.batch import AttentionBatch


def layer_index(batch: AttentionBatch, num_layers: int) -> torch.Tensor:
    """The model layer of each index of the batch's layer axis, as a host int64 tensor."""
    ids = batch.layer_ids()
    if len(ids) != batch.attentions.shape[1]:
        raise ValueError(f"batch names {len(ids)} layers but holds "
                         f"{batch.attentions.shape[1]}")
    if any(not 0 <= layer < num_layers for layer in ids):
        raise ValueError(f"batch layers {ids} outside 0..{num_layers - 1}")
    return torch.tensor(ids, dtype=torch.long)


def fold(state: torch.Tensor, layers: torch.Tensor, values: torch.Tensor) -> None:
    """Add ``values`` ([L', ...], one row per batch layer) into the rows ``layers`` of ``state``
    (on the host, float64)."""
    state.index_add_(0, layers, values.detach().to(device="cpu", dtype=torch.float64))


def rows_used(lengths: torch.Tensor) -> torch.Tensor:
    """Rows i >= 1 of each segment (n - 1, 0 for a one-token segment), as int64."""
    return (lengths.long() - 1).clamp(min=0)


def per_layer(state: torch.Tensor, counts: torch.Tensor) -> torch.Tensor:
    """A per-layer sum [L, ...] divided by its per-layer count [L] (0 where nothing came)."""
    shape = (-1,) + (1,) * (state.dim() - 1)
    return state / counts.clamp(min=1).view(shape)
