"""Attention weights without the part of the forward pass that comes after them.

Every analysis but the gradients reads only the attention weights. The last layer's feed-forward
block (and a pooler, when the model has one) runs after the last weights exist and changes none
of them, so extraction stops the forward pass there: about 10% of a BERT-base-sized forward pass
and more for shallow models (measured alone: docs/performance.md, "Attention tap").

``AttentionTap.find`` locates, on the tiny input the model is checked with at load time, the
modules whose outputs are the very tensors the model returns as ``attentions``, and keeps the tap
only when a stopped pass returns exactly those weights. A model where either fails (remote code
that builds its weights elsewhere) gets no tap and keeps the whole forward pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch


class _Stop(Exception):
    """Raised by the hook once the last layer's weights are out: ends the forward pass."""


@dataclass(frozen=True)
class AttentionTap:
    sources: tuple[tuple[torch.nn.Module, int], ...]
    """Each module that emits attention weights (once; ALBERT's shared layer emits them for
    every layer) and the position of the weights in its output tuple."""
    layers: int
    """Weights per forward pass: the pass stops after this many."""

    def attentions(self, model: torch.nn.Module, inputs: Mapping[str, torch.Tensor]
                   ) -> tuple[torch.Tensor, ...]:
        """Every layer's attention weights, in layer order, as ``model(**inputs,
        output_attentions=True).attentions`` gives them, without running the rest."""
        caught: list[torch.Tensor] = []

        def catch(position: int) -> Callable[..., None]:
            def hook(module: torch.nn.Module, args: Any, output: Any) -> None:
                caught.append(output[position])
                if len(caught) == self.layers:
                    raise _Stop

            return hook

        handles = [module.register_forward_hook(catch(p)) for module, p in self.sources]
        try:
            model(**inputs, output_attentions=True)
        except _Stop:
            pass
        finally:
            for handle in handles:
                handle.remove()
        if len(caught) != self.layers:
            raise RuntimeError(f"the attention tap caught {len(caught)} of {self.layers} layers")
        return tuple(caught)

    @classmethod
    def find(cls, model: torch.nn.Module, inputs: Mapping[str, torch.Tensor]
             ) -> AttentionTap | None:
        """The tap for ``model``, found on ``inputs`` (a tiny batch), or None when the model's
        returned weights cannot be traced to module outputs or a stopped pass differs."""
        emitted: list[tuple[torch.nn.Module, Any]] = []
        handles = [module.register_forward_hook(
            lambda m, args, output: emitted.append((m, output)))
            for name, module in model.named_modules() if name]
        try:
            with torch.inference_mode():
                returned = model(**inputs, output_attentions=True).attentions
        finally:
            for handle in handles:
                handle.remove()
        if not returned:
            return None
        positions: dict[int, tuple[torch.nn.Module, int]] = {}
        for weights in returned:
            source = _source_of(weights, emitted)
            if source is None:
                return None
            module, position = source
            if positions.setdefault(id(module), source)[1] != position:
                return None
        tap = cls(tuple(positions.values()), len(returned))
        with torch.inference_mode():
            stopped = tap.attentions(model, inputs)
        if not all(torch.equal(a, b) for a, b in zip(stopped, returned, strict=True)):
            return None
        return tap


def _source_of(weights: torch.Tensor, emitted: Sequence[tuple[torch.nn.Module, Any]]
               ) -> tuple[torch.nn.Module, int] | None:
    """The first module whose output tuple holds ``weights`` itself, and its position there."""
    for module, output in emitted:
        if isinstance(output, tuple):
            for position, item in enumerate(output):
                if item is weights:
                    return module, position
    return None
