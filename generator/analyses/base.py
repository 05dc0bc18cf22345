"""The accumulator contract every corpus-level analysis follows (after torchmetrics).

Each state is declared with ``add_state(name, default, reduction)``. ``update(batch)`` folds one
attention batch into the states, ``merge(other)`` combines two shards generically by each state's
reduction, and ``result()`` turns the states into JSON-ready values. Memory therefore stays flat as
the corpus grows, and shards computed on different workers can be merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch

from generator.config import BuildConfig
from generator.model.batch import AttentionBatch

Reduction = Literal["sum", "max", "min", "cat"]


@dataclass
class AnalysisContext:
    """What an analysis may know besides the batches: model shape, settings, stream data.

    ``data`` is stream-specific (e.g. the treebank sentences for syntax), indexed like
    ``AttentionBatch.index``.
    """

    num_layers: int
    num_heads: int
    config: BuildConfig
    data: Any = None
    tokenizer: Any = None
    """The model's tokenizer, for analyses that keep token strings (e.g. example maps)."""
    kind: Literal["encoder", "decoder"] = "encoder"
    """The model family: a decoder's attention is causal (row i sees columns j <= i), so its
    analyses follow SPEC section 11 (rows i >= 1, position 0 as the sink, no [CLS]/[SEP])."""


class Accumulator:
    """Base class: subclasses declare states in ``__init__`` and implement update and result."""

    name: ClassVar[str] = ""
    on_device: ClassVar[bool] = False
    """True when ``update`` works on batches on the model's device (tensor ops only; states stay
    on the host, each update adds its small per-batch sums there). Else the batch is copied to
    the host first (e.g. analyses that hand maps to numpy or C code)."""
    takes_layer_slices: ClassVar[bool] = False
    """True when ``update`` accepts batches that carry only some layers (``AttentionBatch.layers``)
    and ends with the same states as from whole batches. The pipeline assembles whole batches
    for an accumulator without it (holding every layer of a batch, for that analysis only)."""

    needs_value_norms: ClassVar[bool] = False
    """True when ``update`` reads ``AttentionBatch.value_norms``: extraction of the stream (and
    of a stream lending it batches) then captures them."""

    def __init__(self, context: AnalysisContext) -> None:
        self.context = context
        self._reductions: dict[str, Reduction] = {}

    @property
    def shape(self) -> tuple[int, int]:
        return (self.context.num_layers, self.context.num_heads)

    def add_state(self, name: str, default: torch.Tensor | list, reduction: Reduction) -> None:
        if reduction == "cat" and not isinstance(default, list):
            raise TypeError("a 'cat' state starts as a list")
        value = list(default) if isinstance(default, list) else default.clone()
        setattr(self, name, value)
        self._reductions[name] = reduction

    def states(self) -> dict[str, torch.Tensor | list]:
        return {name: getattr(self, name) for name in self._reductions}

    def update(self, batch: AttentionBatch) -> None:
        raise NotImplementedError

    def merge(self, other: Accumulator) -> None:
        """Fold another shard of the same analysis into this one."""
        if type(other) is not type(self):
            raise TypeError(f"cannot merge {type(other).__name__} into {type(self).__name__}")
        for name, reduction in self._reductions.items():
            mine, theirs = getattr(self, name), getattr(other, name)
            if reduction == "sum":
                merged = mine + theirs
            elif reduction == "max":
                merged = torch.maximum(mine, theirs)
            elif reduction == "min":
                merged = torch.minimum(mine, theirs)
            else:
                merged = mine + theirs  # list concatenation
            setattr(self, name, merged)

    def result(self) -> dict[str, Any]:
        raise NotImplementedError


def grid(t: torch.Tensor, digits: int = 6) -> list[list[float]]:
    """A [layers, heads] tensor as nested lists of rounded floats (stable JSON)."""
    return [[round(float(v), digits) for v in row] for row in t.tolist()]
