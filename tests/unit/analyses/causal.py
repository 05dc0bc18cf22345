"""Hand-made causal (decoder) attention for unit tests: maps, decoder contexts, layer slices."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from generator.analyses.base import AnalysisContext
from generator.config import BuildConfig
from generator.model.batch import AttentionBatch


def random_causal_maps(layers: int, heads: int, n: int, generator: torch.Generator,
                       sharpness: float = 3.0) -> torch.Tensor:
    """Row-stochastic causal maps [layers, heads, n, n]: row i spreads over columns j <= i
    only (softmax of random logits), entries j > i exactly 0."""
    logits = torch.randn(layers, heads, n, n, generator=generator) * sharpness
    future = torch.ones(n, n, dtype=torch.bool).triu(1)
    return torch.softmax(logits.masked_fill(future, float("-inf")), dim=-1)


def decoder_context(layers: int, heads: int, data: object = None,
                    **config: object) -> AnalysisContext:
    return AnalysisContext(layers, heads, BuildConfig(**config), data, kind="decoder")


def layer_slices(batch: AttentionBatch, groups: Sequence[Sequence[int]]) -> list[AttentionBatch]:
    """The batch cut into slices of the given layers (each group one slice, in that order), as
    per-layer extraction hands them over."""
    out = []
    for group in groups:
        pick = torch.tensor(list(group), dtype=torch.long)
        tensors = batch.tensors()
        tensors["attentions"] = batch.attentions[:, pick].clone()
        tensors["layers"] = pick
        out.append(AttentionBatch.from_tensors(tensors))
    return out
