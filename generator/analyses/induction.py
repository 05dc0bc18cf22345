"""Induction and duplicate-token scores per head (SPEC section 11; Olsson et al. 2022).

Fed with batches of the synthetic sequences of generator/synthetic.py (``[BOS] + R + R``), whose
layout (``SyntheticLayout``: repeat length and BOS offset) comes as ``AnalysisContext.data``.
Over the positions i of the second copy of every sequence (equal weight, as every sequence has
the same length):

- ``duplicate`` = mean A[i, i - length]: attention to the earlier occurrence of the same token;
- ``induction`` = mean A[i, i - length + 1]: attention to the token that followed it.

The result goes under one key, ``induction``, with both [layer][head] grids, the top heads of
each and the uniform reference (the same mean of 1 / (i + 1): attention spread evenly over the
visible tokens).
"""

from __future__ import annotations

from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext, grid
from generator.analyses.causal import fold, layer_index, per_layer
from generator.model.batch import AttentionBatch
from generator.synthetic import SyntheticLayout

TOP_HEADS = 10
"""Heads listed in ``top_heads`` per score, best first."""


def top_heads(scores: list[list[float]], count: int = TOP_HEADS) -> list[dict[str, Any]]:
    """The ``count`` best heads of a [layer][head] grid, best first (ties: lower layer, head)."""
    flat = [(value, layer, head) for layer, row in enumerate(scores)
            for head, value in enumerate(row)]
    flat.sort(key=lambda item: (-item[0], item[1], item[2]))
    return [{"layer": layer, "head": head, "score": value} for value, layer, head in flat[:count]]


class InductionScores(Accumulator):
    name = "induction"
    takes_layer_slices = True
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        if not isinstance(context.data, SyntheticLayout):
            raise TypeError("InductionScores needs a SyntheticLayout as context.data")
        self.layout: SyntheticLayout = context.data
        self.add_state("sum_induction", torch.zeros(self.shape, dtype=torch.float64), "sum")
        self.add_state("sum_duplicate", torch.zeros(self.shape, dtype=torch.float64), "sum")
        # per layer (batches may be layer slices)
        self.add_state("sequences", torch.zeros(self.shape[0], dtype=torch.float64), "sum")

    def update(self, batch: AttentionBatch) -> None:
        layers = layer_index(batch, self.shape[0])
        layout = self.layout
        if bool((batch.lengths != layout.length).any()):
            raise ValueError(f"synthetic sequences hold {layout.length} tokens; batch lengths "
                             f"{batch.lengths.tolist()}")
        a = batch.attentions  # [B, L', H, N, N]
        rows = torch.arange(layout.second_copy.start, layout.second_copy.stop, device=a.device)
        back = rows - layout.repeat_length
        positions = len(rows)
        duplicate = a[..., rows, back].sum(-1) / positions  # [B, L', H]
        induction = a[..., rows, back + 1].sum(-1) / positions
        fold(self.sum_duplicate, layers, duplicate.sum(0))
        fold(self.sum_induction, layers, induction.sum(0))
        self.sequences.index_add_(0, layers, torch.full((len(layers),), float(batch.size),
                                                        dtype=torch.float64))

    def result(self) -> dict[str, Any]:
        induction = grid(per_layer(self.sum_induction, self.sequences))
        duplicate = grid(per_layer(self.sum_duplicate, self.sequences))
        rows = self.layout.second_copy
        uniform = sum(1 / (i + 1) for i in rows) / len(rows)
        return {"induction": {
            "induction": induction,
            "duplicate": duplicate,
            "top_heads": {"induction": top_heads(induction), "duplicate": top_heads(duplicate)},
            "sequences": int(self.sequences.max()) if len(self.sequences) else 0,
            "repeat_length": self.layout.repeat_length,
            "bos": self.layout.offset > 0,
            "reference": {"uniform": round(uniform, 6)},
        }}
