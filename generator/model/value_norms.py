"""Norm-based attention (Kobayashi et al. 2020, "Attention is Not Only a Weight"; SPEC 10).

A head's output at token i is ``sum_j A[i, j] f(x_j)`` with ``f(x_j) = (x_j W_V + b_V) W_O^h``:
the value vector (its bias included) through the head's slice of the output projection. The
output bias ``b_O`` is added once per layer, whatever the weights are, so it belongs to no
weight. Since ``A[i, j] >= 0``, ``||A[i, j] f(x_j)|| = A[i, j] ||f(x_j)||``: all the model has to
give per layer is ``||f(x_j)||`` per token and head, ``[B, H, N]``; the norm-based map of a head
is ``A * norms[None, :]`` renormalised per row (``generator.analyses.norms``).

The values come from ``layer_capture.capture_values`` (the layer's own attention function sees
them, so no architecture's attention is written again here); the output projection is found
by name beside the attention module (``o_proj``, ``out_proj``, ``c_proj``, ``dense``,
``out_lin``) or as its parent's ``output.dense`` (BERT-likes). A grouped-query head uses the
value head of its group (query head h -> value head ``h // (H / H_kv)``, as ``repeat_kv``).

``||W_h v||`` is computed as ``||v F_h||`` with ``W_h^T W_h = F_h F_h^T`` (Cholesky, float64,
once per module): d x d per token and head instead of d x D, and a norm of a vector rather than
a quadratic form ``v^T W_h^T W_h v`` in float32, which would lose the small norms of [SEP] that
matter most here.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

from generator.errors import HeadAtlasError
from generator.model.layer_capture import attention_layers, capture_values

PROJECTION_NAMES = ("o_proj", "out_proj", "c_proj", "dense", "out_lin")
"""Names of the output projection beside the attention module, in the order tried."""

NormConsumer = Callable[[int, torch.Tensor], None]


def _weight_of(layer: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor | None] | None:
    """``(W [D_out, H*d], bias)`` of a Linear, or of GPT-2's Conv1D (stored transposed)."""
    if isinstance(layer, torch.nn.Linear):
        return layer.weight, layer.bias
    if type(layer).__name__ == "Conv1D" and hasattr(layer, "weight"):
        return layer.weight.t(), getattr(layer, "bias", None)
    return None


def output_projection(module: torch.nn.Module, parent: torch.nn.Module | None
                      ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The output projection of attention ``module``: ``(W [D_out, H*d], b_O or None)`` with
    ``out = concat_h(head_h) @ W.T + b_O``. ``parent``: the module holding ``module`` (BERT's
    ``attention`` holds ``self`` and ``output.dense``)."""
    for name in PROJECTION_NAMES:
        found = _weight_of(getattr(module, name, None))
        if found is not None:
            return found
    output = getattr(parent, "output", None) if parent is not None else None
    found = _weight_of(getattr(output, "dense", None))
    if found is not None:
        return found
    raise HeadAtlasError(f"norm-based attention: no output projection found for "
                         f"{type(module).__name__} (run with --no-norms)", path="--model")


def head_weights(weight: torch.Tensor, head_dim: int) -> torch.Tensor:
    """``W_h`` of every query head, ``[H, D_out, d]``, from ``W [D_out, H*d]``."""
    d_out, width = weight.shape
    if width % head_dim:
        raise ValueError(f"output projection width {width} is no multiple of head size "
                         f"{head_dim}")
    return weight.reshape(d_out, width // head_dim, head_dim).permute(1, 0, 2)


def by_query_head(value: torch.Tensor, heads: int) -> torch.Tensor:
    """Value states ``[B, H_kv, N, d]`` as seen by each of ``heads`` query heads."""
    kv = value.shape[1]
    if heads % kv:
        raise ValueError(f"{heads} query heads do not share {kv} value heads evenly")
    return value.repeat_interleave(heads // kv, dim=1) if heads != kv else value


def head_outputs(value: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``f(x_j)`` of every head and token, ``[B, H, N, D_out]``: the plain definition (tests and
    small models; ``head_norms`` gives its norms cheaply)."""
    w = head_weights(weight, value.shape[-1])  # [H, D, d]
    v = by_query_head(value, w.shape[0])
    return torch.einsum("bhnd,hod->bhno", v.to(w.dtype), w)


def projection_factor(weight: torch.Tensor, head_dim: int) -> torch.Tensor:
    """``F_h`` of every head, ``[H, d, d]`` float32, with ``W_h^T W_h = F_h F_h^T``: then
    ``||f(x_j)|| = ||v_j @ F_h||``. The Cholesky factor of the Gram matrix, made in float64
    (a thin QR of ``W_h`` gives the same up to signs but is ~20x slower on a CPU; it is the
    fallback for a rank-deficient head)."""
    w = head_weights(weight.detach().double(), head_dim)  # [H, D, d]
    factor, info = torch.linalg.cholesky_ex(w.transpose(-1, -2) @ w)
    if bool((info != 0).any()):
        factor = torch.linalg.qr(w.contiguous(), mode="r").R.transpose(-1, -2)
    return factor.float().contiguous()


def head_norms(value: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """``||f(x_j)||`` of every query head and token, ``[B, H, N]`` float32, from the value
    states ``[B, H_kv, N, d]`` and ``projection_factor``."""
    v = by_query_head(value.detach().float(), factor.shape[0])
    return torch.matmul(v, factor.to(v.device)).norm(dim=-1)


class _Factors:
    """``projection_factor`` per attention module, made once per weight version."""

    def __init__(self) -> None:
        self._made: weakref.WeakKeyDictionary[
            torch.nn.Module, tuple[torch.Tensor, int, torch.Tensor]] = weakref.WeakKeyDictionary()

    def get(self, model: torch.nn.Module, module: torch.nn.Module, head_dim: int
            ) -> torch.Tensor:
        made = self._made.get(module)
        if made is not None and not made[0].is_inference() and made[0]._version == made[1]:
            return made[2]
        weight, _ = output_projection(module, _parent(model, module))
        if weight.is_inference():  # e.g. loaded from disk by accelerate's offload hooks per pass:
            return projection_factor(weight, head_dim)  # no version counter, so never kept
        self._made[module] = (weight, weight._version, projection_factor(weight, head_dim))
        return self._made[module][2]


_FACTORS = _Factors()


def _parent(model: torch.nn.Module, module: torch.nn.Module) -> torch.nn.Module | None:
    for candidate in model.modules():
        if any(child is module for child in candidate.children()):
            return candidate
    return None


def unsupported(model: torch.nn.Module, num_layers: int) -> str | None:
    """Why ``capture_value_norms`` cannot serve ``model`` (None when it can): its attention
    layers must be capturable (``layer_capture.attention_layers``: not ALBERT, MPNet or
    DistilBERT in transformers 5), one per layer, each with an output projection found."""
    layers = attention_layers(model)
    if not layers:
        return f"{type(model).__name__} has no attention layer whose values can be captured"
    if sorted(int(m.layer_idx) for m in layers) != list(range(num_layers)):
        return f"{type(model).__name__}'s attention layers are not one per layer"
    for module in layers:
        try:
            weight, _ = output_projection(module, _parent(model, module))
        except HeadAtlasError:
            return f"{type(module).__name__} has no output projection headatlas can find"
        if weight.device.type == "meta":  # loaded only when the projection itself runs
            return ("its output projections are offloaded to disk (--device auto), so their "
                    "weights are not there while attention runs")
    return None


@contextmanager
def capture_value_norms(model: torch.nn.Module, consume: NormConsumer) -> Iterator[None]:
    """Within the block, each attention layer of ``model`` calls ``consume(layer_index,
    norms[B, H, N])`` (float32, on the model's device, padding not zeroed) before it hands out
    its attention weights."""

    def see(module: torch.nn.Module, value: torch.Tensor) -> None:
        factor = _FACTORS.get(model, module, int(value.shape[-1]))
        consume(int(module.layer_idx), head_norms(value, factor))

    with capture_values(model, see):
        yield


def zero_padding_norms(norms: torch.Tensor, lengths: list[int]) -> torch.Tensor:
    """``norms[b, ..., N]`` with the positions past each segment's length set to zero."""
    for b, n in enumerate(lengths):
        norms[b, ..., n:] = 0
    return norms
