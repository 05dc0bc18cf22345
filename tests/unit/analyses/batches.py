"""Hand-made attention batches for unit tests of the analyses (no model)."""

from __future__ import annotations

import torch

from generator.analyses.base import AnalysisContext
from generator.config import BuildConfig
from generator.model import roles as R
from generator.model.batch import AttentionBatch


def random_maps(layers: int, heads: int, n: int, generator: torch.Generator,
                sharpness: float = 3.0) -> torch.Tensor:
    """Row-stochastic maps [layers, heads, n, n] with varied shapes (softmax of random logits)."""
    logits = torch.randn(layers, heads, n, n, generator=generator) * sharpness
    return torch.softmax(logits, dim=-1)


def pair_roles(n: int, split: int) -> list[int]:
    """Roles of ``[CLS] A [SEP] B [SEP]`` with n tokens, the first [SEP] at ``split``."""
    roles = [R.WORD] * n
    roles[0], roles[split], roles[n - 1] = R.CLS, R.SEP, R.SEP
    return roles


def make_batch(maps: list[torch.Tensor], roles: list[list[int]], index: list[int] | None = None,
               pad_to: int | None = None) -> AttentionBatch:
    """Pad maps [L, H, n, n] (one per segment) into an AttentionBatch, padding rows/columns 0."""
    layers, heads = maps[0].shape[:2]
    size = max(pad_to or 0, max(m.shape[-1] for m in maps))
    b = len(maps)
    att = torch.zeros(b, layers, heads, size, size)
    role_t = torch.full((b, size), R.PAD, dtype=torch.int8)
    for k, (m, r) in enumerate(zip(maps, roles, strict=True)):
        n = m.shape[-1]
        att[k, :, :, :n, :n] = m
        role_t[k, :n] = torch.tensor(r, dtype=torch.int8)
    lengths = torch.tensor([m.shape[-1] for m in maps])
    return AttentionBatch(
        attentions=att,
        input_ids=torch.zeros(b, size, dtype=torch.long),
        roles=role_t,
        word_ids=torch.full((b, size), -1, dtype=torch.long),
        lengths=lengths,
        index=torch.tensor(index if index is not None else list(range(b))),
    )


def context(layers: int, heads: int, data: object = None, **config: object) -> AnalysisContext:
    return AnalysisContext(layers, heads, BuildConfig(**config), data)
