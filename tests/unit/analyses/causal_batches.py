"""Causal (decoder) attention batches for the decoder statistics' tests (no model)."""

from __future__ import annotations

import random
from dataclasses import replace

import torch

from generator.analyses.base import Accumulator, AnalysisContext
from generator.config import BuildConfig
from generator.model import roles as R
from generator.model.batch import AttentionBatch
from tests.unit.analyses.batches import make_batch


def causal_maps(layers: int, heads: int, n: int, generator: torch.Generator,
                sharpness: float = 3.0) -> torch.Tensor:
    """Row-stochastic causal maps [layers, heads, n, n]: softmax of random logits over j <= i,
    exactly 0 above the diagonal."""
    logits = torch.randn(layers, heads, n, n, generator=generator) * sharpness
    hidden = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
    return torch.softmax(logits.masked_fill(hidden, float("-inf")), dim=-1)


def random_roles(n: int, rng: random.Random, bos: bool = True) -> list[int]:
    """Position 0 a BOS (a special token) when ``bos``, then words with some "." or ","."""
    roles = [R.PUNCT if rng.random() < 0.25 else R.WORD for _ in range(n)]
    if bos:
        roles[0] = R.OTHER_SPECIAL
    return roles


def random_batch(layers: int, heads: int, lengths: list[int], seed: int,
                 pad_to: int | None = None) -> AttentionBatch:
    """Random causal segments of the given lengths, padded together (padding exactly 0)."""
    gen = torch.Generator().manual_seed(seed)
    rng = random.Random(seed)
    maps = [causal_maps(layers, heads, n, gen) for n in lengths]
    return make_batch(maps, [random_roles(n, rng) for n in lengths], pad_to=pad_to)


def layer_slice(batch: AttentionBatch, layers: list[int]) -> AttentionBatch:
    """The batch holding only the model layers ``layers`` (as per-layer extraction gives it)."""
    return replace(batch, attentions=batch.attentions[:, layers].clone(),
                   layers=torch.tensor(layers, dtype=torch.long))


def context(layers: int, heads: int, data: object = None) -> AnalysisContext:
    return AnalysisContext(layers, heads, BuildConfig(), data, kind="decoder")


def fed_whole_and_sliced(make: type[Accumulator], ctx: AnalysisContext,
                         batches: list[AttentionBatch], seed: int = 0
                         ) -> tuple[Accumulator, Accumulator]:
    """One accumulator fed the batches whole; another fed every batch as one-layer slices, all
    slices of all batches in a shuffled order."""
    whole, sliced = make(ctx), make(ctx)
    for batch in batches:
        whole.update(batch)
    pieces = [(b, layer) for b in range(len(batches)) for layer in range(ctx.num_layers)]
    random.Random(seed).shuffle(pieces)
    for b, layer in pieces:
        sliced.update(layer_slice(batches[b], [layer]))
    return whole, sliced


# Segment 1: "<bos> a , b" (n = 4); segment 2: "<bos> , c" (n = 3, padded to 4 beside it).
ROLES_1 = [R.OTHER_SPECIAL, R.WORD, R.PUNCT, R.WORD]
ROLES_2 = [R.OTHER_SPECIAL, R.PUNCT, R.WORD]

HAND_1 = [[1.0, 0.0, 0.0, 0.0],
          [0.6, 0.4, 0.0, 0.0],
          [0.5, 0.3, 0.2, 0.0],
          [0.1, 0.2, 0.3, 0.4]]
HAND_2 = [[1.0, 0.0, 0.0],
          [0.2, 0.8, 0.0],
          [0.3, 0.6, 0.1]]


def uniform(n: int) -> torch.Tensor:
    """Row i spread evenly over its i + 1 visible tokens."""
    return torch.tril(torch.ones(n, n)) / torch.arange(1, n + 1)[:, None]


def sink(n: int) -> torch.Tensor:
    """Every row on position 0."""
    m = torch.zeros(n, n)
    m[:, 0] = 1.0
    return m


def previous(n: int) -> torch.Tensor:
    """Row 0 on itself, every other row on its previous token."""
    m = torch.zeros(n, n)
    m[0, 0] = 1.0
    m[torch.arange(1, n), torch.arange(0, n - 1)] = 1.0
    return m


def hand_maps() -> list[torch.Tensor]:
    """2 layers x 2 heads per segment: L0H0 hand-made, L0H1 uniform, L1H0 sink, L1H1 previous."""
    out = []
    for hand, n in ((HAND_1, 4), (HAND_2, 3)):
        out.append(torch.stack([torch.stack([torch.tensor(hand), uniform(n)]),
                                torch.stack([sink(n), previous(n)])]))
    return out


def hand_batch() -> AttentionBatch:
    return make_batch(hand_maps(), [ROLES_1, ROLES_2])
