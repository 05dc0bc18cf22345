"""Norm-based attention shares per head (Kobayashi et al. 2020; SPEC section 10).

Each weight ``A[i, j]`` is scaled by the size of what it moves, ``||f(x_j)||`` (the value vector
through the head's slice of the output projection, ``AttentionBatch.value_norms``): since the
weights are >= 0, ``||A[i, j] f(x_j)|| = A[i, j] ||f(x_j)||``. The norm-based map is that,
renormalised per row to sum to 1::

    N[i, j] = A[i, j] n_j / sum_k A[i, k] n_k

The surface statistics of general.json are then recomputed on N, with the same states,
denominators and results as ``SurfaceStats`` (an encoder, SPEC section 2) and
``CausalSurfaceStats`` (a decoder, SPEC section 11, rows i >= 1), written to norms.json as
``norm_<metric>``. N is never made: each statistic is a diagonal or a matrix-vector product of
A scaled by ``1 / sum_k A[i, k] n_k`` per row (``norm_weighted`` is the plain definition, for
tests). Beside them, the mean
``||f(x_j)||`` per head over the tokens of each group (``value_norm``: an encoder's [CLS], [SEP],
punctuation and other tokens; a decoder's position 0, punctuation and other tokens), which says
why the shares move: Kobayashi et al. found the vectors at [SEP] and [CLS] tiny.
"""

from __future__ import annotations

from typing import Any

import torch

from generator.analyses.base import AnalysisContext, grid
from generator.analyses.causal import fold, layer_index, rows_used
from generator.analyses.causal_surface import CausalSurfaceStats
from generator.analyses.surface import SurfaceStats
from generator.model.batch import AttentionBatch

ENCODER_GROUPS = ("cls", "sep", "punct", "other")
DECODER_GROUPS = ("first", "punct", "other")


def norm_weighted(attentions: torch.Tensor, norms: torch.Tensor) -> torch.Tensor:
    """The norm-based maps ``[B, L, H, N, N]`` of ``attentions`` and ``norms[B, L, H, N]``:
    ``A[i, j] n_j`` renormalised per row (rows of padding, and rows whose every weighted entry
    is 0, stay 0)."""
    weighted = attentions * norms.to(attentions.dtype).unsqueeze(-2)
    total = weighted.sum(-1, keepdim=True)
    # a row whose total is 0 holds only zeros, and stays 0 divided by the smallest normal
    return weighted.div_(total.clamp_(min=torch.finfo(total.dtype).tiny))


def _norms_of(batch: AttentionBatch) -> torch.Tensor:
    if batch.value_norms is None:
        raise ValueError("norm-based attention needs batches with value_norms (extraction "
                         "was not asked for them)")
    return batch.value_norms.to(batch.attentions.dtype)


def _row_sums(a: torch.Tensor, norms: torch.Tensor, columns: tuple[torch.Tensor, ...]
              ) -> tuple[torch.Tensor, ...]:
    """For each 0/1 column mask ``[B, N]``, ``sum_{j in mask} A[i, j] n_j`` per row
    ``[B, L, H, rows]``: one matrix product of A with the masked norms side by side (A is read
    once; the norm-based maps are never made)."""
    weights = torch.stack([norms * c[:, None, None, :] for c in columns], dim=-1)
    sums = torch.matmul(a, weights)  # [B, L, H, rows, len(columns)]
    return sums.unbind(-1)


def _inverse(total: torch.Tensor) -> torch.Tensor:
    """``1 / total`` where the row's total is positive, 0 elsewhere (padding rows)."""
    return torch.where(total > 0, 1 / total.clamp(min=torch.finfo(total.dtype).tiny),
                       torch.zeros((), dtype=total.dtype, device=total.device))


def _group_masks(batch: AttentionBatch, groups: tuple[str, ...]) -> dict[str, torch.Tensor]:
    """``[B, N]`` float masks of the token groups of ``value_norm``."""
    valid = batch.valid
    if groups == ENCODER_GROUPS:
        masks = {"cls": batch.is_cls, "sep": batch.is_sep, "punct": batch.is_punct}
    else:
        first = torch.zeros_like(valid)
        first[:, 0] = True
        masks = {"first": first & valid, "punct": batch.is_punct & ~first}
    taken = torch.zeros_like(valid)
    for mask in masks.values():
        taken = taken | mask
    masks["other"] = valid & ~taken
    return {name: mask.to(torch.float64) for name, mask in masks.items()}


class _ValueNormMeans:
    """Per head, the sum of ``||f(x_j)||`` over each group's tokens and their count, per
    layer (so layer slices fold in as whole batches do)."""

    def __init__(self, owner: Any, groups: tuple[str, ...]) -> None:
        self.groups = groups
        layers, heads = owner.shape
        for group in groups:
            owner.add_state(f"norm_sum_{group}", torch.zeros((layers, heads),
                                                             dtype=torch.float64), "sum")
            owner.add_state(f"norm_count_{group}", torch.zeros(layers, dtype=torch.float64),
                            "sum")

    def update(self, owner: Any, batch: AttentionBatch, layers: torch.Tensor) -> None:
        norms = batch.value_norms.double()  # [B, L', H, N]
        for group, mask in _group_masks(batch, self.groups).items():
            mask = mask.to(norms.device)
            sums = (norms * mask[:, None, None, :]).sum((0, -1)).cpu()  # [L', H]
            fold(getattr(owner, f"norm_sum_{group}"), layers, sums)
            count = float(mask.sum())
            getattr(owner, f"norm_count_{group}").index_add_(
                0, layers, torch.full((len(layers),), count, dtype=torch.float64))

    def result(self, owner: Any) -> dict[str, list[list[float]]]:
        out = {}
        for group in self.groups:
            count = getattr(owner, f"norm_count_{group}").clamp(min=1)[:, None]
            out[group] = grid(getattr(owner, f"norm_sum_{group}") / count)
        return out


class NormShares(SurfaceStats):
    """An encoder's surface statistics (SPEC section 2) on the norm-based maps, into
    norms.json as ``norm_<metric>``, and the mean value-vector norm per token group."""

    name = "norm_shares"
    needs_value_norms = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        self._means = _ValueNormMeans(self, ENCODER_GROUPS)

    def update(self, batch: AttentionBatch) -> None:
        """SurfaceStats.update on ``N[i, j] = A[i, j] n_j * inverse_i`` without making N:
        every statistic is a diagonal or a matrix-vector product of A."""
        a, norms = batch.attentions, _norms_of(batch)
        n = batch.lengths.to(a.dtype)[:, None, None]
        valid, sep = batch.valid.to(a.dtype), batch.is_sep.to(a.dtype)
        # one product of A with the norms restricted to all, [CLS], [SEP], punctuation columns
        total, to_cls, to_sep, to_punct = _row_sums(
            a, norms, (valid, batch.is_cls.to(a.dtype), sep, batch.is_punct.to(a.dtype)))
        inverse = _inverse(total)
        to_cls, to_sep, to_punct = to_cls * inverse, to_sep * inverse, to_punct * inverse
        n_sep = sep.sum(-1)[:, None, None]
        n_rest = n - n_sep
        per_segment = {
            "self": (a.diagonal(0, -2, -1) * norms * inverse).sum(-1) / n,
            "next": (a.diagonal(1, -2, -1) * norms[..., 1:] * inverse[..., :-1]).sum(-1) / n,
            "prev": (a.diagonal(-1, -2, -1) * norms[..., :-1] * inverse[..., 1:]).sum(-1) / n,
            "cls": to_cls.sum(-1) / n,
            "sep": to_sep.sum(-1) / n,
            "punct": to_punct.sum(-1) / n,
            "sep_sep": (to_sep * sep[:, None, None, :]).sum(-1) / n_sep.clamp(min=1),
            "rest_sep": (to_sep * (valid - sep)[:, None, None, :]).sum(-1)
            / n_rest.clamp(min=1),
        }
        self.add_segments(per_segment, n_sep, n_rest)
        self._means.update(self, batch, torch.arange(self.shape[0]))

    def result(self) -> dict[str, Any]:
        metrics = super().result()["metrics"]
        return {"metrics": {f"norm_{name}": values for name, values in metrics.items()},
                "value_norm": self._means.result(self),
                "segments": int(self.segments)}


class CausalNormShares(CausalSurfaceStats):
    """A decoder's surface statistics (SPEC section 11, rows i >= 1) on the norm-based maps,
    into norms.json as ``norm_<metric>``, and the mean value-vector norm per token group."""

    name = "causal_norm_shares"
    needs_value_norms = True
    takes_layer_slices = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        self._means = _ValueNormMeans(self, DECODER_GROUPS)

    def update(self, batch: AttentionBatch) -> None:
        """CausalSurfaceStats.update on the norm-based maps, without making them (diagonals and
        matrix-vector products of A, rows i >= 1)."""
        layers = layer_index(batch, self.shape[0])
        a, norms = batch.attentions, _norms_of(batch)
        valid = batch.valid.to(a.dtype)
        total, to_punct = _row_sums(a[..., 1:, :], norms, (valid, batch.is_punct.to(a.dtype)))
        inverse = _inverse(total)  # rows i >= 1
        rows = rows_used(batch.lengths).to(a.device)
        per_segment = {
            "first": (a[..., 1:, 0] * norms[..., :1] * inverse).sum(-1),
            "self": (a.diagonal(0, -2, -1)[..., 1:] * norms[..., 1:] * inverse).sum(-1),
            "prev": (a.diagonal(-1, -2, -1) * norms[..., :-1] * inverse).sum(-1),
            "punct": (to_punct * inverse).sum(-1),
        }
        self.add_segments(per_segment, layers, rows)
        self._means.update(self, batch, layers.cpu())

    def result(self) -> dict[str, Any]:
        return {"architecture_kind": "decoder",
                "metrics": {f"norm_{name}": values for name, values in self.metrics().items()},
                "value_norm": self._means.result(self),
                "segments": int(self.segments.max()) if len(self.segments) else 0}


def add_norm_layer_means(documents: dict[str, dict[str, Any]]) -> None:
    """Post-processing: per-layer averages over heads of every norm-based metric (norms.json's
    ``layer_means``, as general.json's)."""
    norms = documents.get("norms")
    if norms is None:
        return
    norms["layer_means"] = {
        name: [round(sum(row) / len(row), 6) for row in values]
        for name, values in norms["metrics"].items()
    }
