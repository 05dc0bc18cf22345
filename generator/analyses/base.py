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
        self._defaults: dict[str, torch.Tensor | list] = {}

    @property
    def shape(self) -> tuple[int, int]:
        return (self.context.num_layers, self.context.num_heads)

    def add_state(self, name: str, default: torch.Tensor | list, reduction: Reduction) -> None:
        if reduction == "cat" and not isinstance(default, list):
            raise TypeError("a 'cat' state starts as a list")
        value = list(default) if isinstance(default, list) else default.clone()
        setattr(self, name, value)
        self._reductions[name] = reduction
        self._defaults[name] = list(default) if isinstance(default, list) else default.clone()

    @property
    def reductions(self) -> dict[str, Reduction]:
        """Each state's reduction, by state name (declaration order)."""
        return dict(self._reductions)

    def states(self) -> dict[str, torch.Tensor | list]:
        return {name: getattr(self, name) for name in self._reductions}

    def take_states(self) -> dict[str, torch.Tensor | list]:
        """The states so far, leaving this accumulator at its declared defaults: one block of
        segments' states, so the next block starts afresh (``generator.shards``)."""
        taken = self.states()
        for name, default in self._defaults.items():
            setattr(self, name, list(default) if isinstance(default, list) else default.clone())
        return taken

    def load_states(self, states: dict[str, torch.Tensor | list]) -> None:
        """Set every state from ``states`` (e.g. merged shards), checking names and shapes."""
        if set(states) != set(self._reductions):
            raise ValueError(f"{self.name}: states {sorted(states)} are not "
                             f"{sorted(self._reductions)}")
        for name, value in states.items():
            default = self._defaults[name]
            if isinstance(default, list) != isinstance(value, list):
                raise ValueError(f"{self.name}: state {name!r} has the wrong kind")
            if isinstance(default, torch.Tensor) and (
                    value.shape != default.shape or value.dtype != default.dtype):
                raise ValueError(f"{self.name}: state {name!r} is {tuple(value.shape)} "
                                 f"{value.dtype}, expected {tuple(default.shape)} {default.dtype}")
            setattr(self, name, list(value) if isinstance(value, list) else value)

    def update(self, batch: AttentionBatch) -> None:
        raise NotImplementedError

    def merge(self, other: Accumulator) -> None:
        """Fold another shard of the same analysis into this one."""
        if type(other) is not type(self):
            raise TypeError(f"cannot merge {type(other).__name__} into {type(self).__name__}")
        merged = merge_states(self._reductions, self.states(), other.states())
        for name, value in merged.items():
            setattr(self, name, value)

    def result(self) -> dict[str, Any]:
        raise NotImplementedError


def merge_states(reductions: dict[str, Reduction], mine: dict[str, torch.Tensor | list],
                 theirs: dict[str, torch.Tensor | list]) -> dict[str, torch.Tensor | list]:
    """Two shards' states folded by each state's reduction (new objects; ``mine`` first, so
    ``cat`` lists keep shard order). Deterministic: the same inputs give the same bits."""
    merged: dict[str, torch.Tensor | list] = {}
    for name, reduction in reductions.items():
        a, b = mine[name], theirs[name]
        if reduction == "sum":
            merged[name] = a + b
        elif reduction == "max":
            merged[name] = torch.maximum(a, b)
        elif reduction == "min":
            merged[name] = torch.minimum(a, b)
        else:
            merged[name] = list(a) + list(b)  # list concatenation
    return merged


def grid(t: torch.Tensor, digits: int = 6) -> list[list[float]]:
    """A [layers, heads] tensor as nested lists of rounded floats (stable JSON)."""
    return [[round(float(v), digits) for v in row] for row in t.tolist()]
