"""Attention weights one layer at a time, handed to a consumer as each layer produces them.

``output_attentions=True`` keeps every layer's weights until the pass ends: for a large decoder
that is most of the memory of a batch (SmolLM2-135M, 30 layers x 9 heads: 283 MB at 16 x 128
tokens; a 32-layer 7B model at 128 tokens holds 32 times a layer). ``capture_layers`` instead
calls ``consume(layer_index, weights)`` inside each attention layer, so a consumer that folds the
weights into its sums right away never holds more than one layer.

How (transformers 5, docs/decoders-research.md): every supported model's attention layer calls
``ALL_ATTENTION_FUNCTIONS.get_interface(config._attn_implementation, eager_attention_forward)``.
``capture_layers`` registers an attention function under its own name that runs the layer's own
``eager_attention_forward`` (from the module the layer's class is defined in: Gemma2's softcap,
GPT-2's scaling and every other detail stay the model's) and passes its weights to the consumer,
and registers transformers' eager mask function under the same name: without a mask function
of that name ``masking_utils`` gives no mask at all and attention silently stops being causal.
The weights are bit for bit those of ``output_attentions=True`` with eager attention (checked on
ten architectures by tests/integration/model/test_layer_capture.py).

Batches must be RIGHT-padded (``pad_right``): real rows then equal an unpadded run exactly,
whereas left padding shifts GPT-2's absolute positions (rows differ by ~2e-2). The consumer
gets the raw weights, ``[B, H_query, N, N]`` on the model's device: padding rows are not zeroed
(``extraction.zero_padding`` does that), and the tensor must not be changed in place (the layer
multiplies it with the values after the consumer returns).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import torch

CAPTURE = "headatlas_capture"
"""The attention implementation name ``capture_layers`` sets while it is active."""

Consumer = Callable[[int, torch.Tensor], None]
ValueConsumer = Callable[[torch.nn.Module, torch.Tensor], None]
"""Sees ``(attention_module, value[B, H_kv, N, d])``: the value states exactly as the layer
mixes them (value bias included, before any key/value head repetition)."""

_consumer: ContextVar[Consumer | None] = ContextVar("headatlas_layer_consumer", default=None)
_value_consumer: ContextVar[ValueConsumer | None] = ContextVar("headatlas_value_consumer",
                                                               default=None)


def _capture_attention(module: torch.nn.Module, query: torch.Tensor, key: torch.Tensor,
                       value: torch.Tensor, attention_mask: torch.Tensor | None,
                       **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """The layer's own eager attention, its weights handed to the active consumer."""
    eager = getattr(sys.modules[type(module).__module__], "eager_attention_forward", None)
    if eager is None:
        raise RuntimeError(f"{type(module).__name__} has no eager_attention_forward to capture")
    see = _value_consumer.get()
    if see is not None:  # before the weights, so a layer's consumer finds its values ready
        see(module, value)
    out, weights = eager(module, query, key, value, attention_mask, **kwargs)
    consume = _consumer.get()
    if consume is not None:
        consume(int(module.layer_idx), weights)
    return out, weights


def _register() -> None:
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, eager_mask

    AttentionInterface.register(CAPTURE, _capture_attention)
    AttentionMaskInterface.register(CAPTURE, eager_mask)


def attention_layers(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The attention modules of ``model``: instances of the class its base model records
    ``attentions`` from (``_can_record_outputs``, transformers 5) that have a ``layer_idx`` and
    an ``eager_attention_forward`` beside their class; empty for a model without (Mamba)."""
    targets: list[type] = []
    for owner in (model, getattr(model, "base_model", None)):
        recorded = (getattr(owner, "_can_record_outputs", None) or {}).get("attentions")
        for item in recorded if isinstance(recorded, list | tuple) else [recorded]:
            target = getattr(item, "target_class", item)
            if isinstance(target, type):
                targets.append(target)
    return [m for m in model.modules() if isinstance(m, tuple(targets))
            and isinstance(getattr(m, "layer_idx", None), int)
            and hasattr(sys.modules.get(type(m).__module__), "eager_attention_forward")]


@contextmanager
def capture_layers(model: torch.nn.Module, consume: Consumer) -> Iterator[None]:
    """Within the block, every forward pass of ``model`` (a transformers model loaded with eager
    attention; a decoder's base model or its whole causal LM) calls ``consume(layer_index,
    weights)`` for each attention layer in order, ``weights[b, h, i, j]`` post-softmax, query
    heads. The previous attention implementation is restored on exit; nested blocks hand the
    weights to the innermost consumer."""
    with _capturing(model, _consumer, consume):
        yield


@contextmanager
def capture_values(model: torch.nn.Module, see: ValueConsumer) -> Iterator[None]:
    """Within the block, every attention layer of ``model`` calls ``see(module, value)`` with
    its value states ``[B, H_kv, N, d]`` just before it mixes them (``generator.model.
    value_norms`` turns them into the norm-based view). May enclose ``capture_layers`` or be
    enclosed by it; the attention weights stay bit for bit those of eager attention."""
    with _capturing(model, _value_consumer, see):
        yield


@contextmanager
def _capturing(model: torch.nn.Module, slot: ContextVar[Any], consumer: Any) -> Iterator[None]:
    """Run ``model`` with the capturing attention function, ``consumer`` set in ``slot``."""
    if not attention_layers(model):
        raise ValueError(f"{type(model).__name__} has no attention layer that can be captured")
    _register()
    previous = model.config._attn_implementation
    token = slot.set(consumer)
    model.set_attn_implementation(CAPTURE)
    try:
        yield
    finally:
        model.set_attn_implementation(previous)
        slot.reset(token)


def pad_right(sequences: Sequence[Sequence[int]], pad_id: int
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """``input_ids`` and ``attention_mask`` ([B, N], int64) of token id lists padded on the
    right to the longest, as ``capture_layers`` needs them."""
    n = max(len(s) for s in sequences)
    ids = torch.full((len(sequences), n), pad_id, dtype=torch.long)
    mask = torch.zeros((len(sequences), n), dtype=torch.long)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(list(seq), dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask
