"""Norm-based shares (norms.json) on hand-made maps and norms, worked out by hand, and against
a plain loop implementation."""

from __future__ import annotations

from dataclasses import replace

import pytest
import torch

from generator.analyses.norms import CausalNormShares, NormShares, norm_weighted
from generator.analyses.surface import SurfaceStats
from generator.model import roles as R
from tests.unit.analyses import causal_batches
from tests.unit.analyses.batches import context, make_batch, pair_roles, random_maps

# [CLS] a [SEP], one layer, one head; value-vector norms 1, 2, 1.
A = torch.tensor([[0.5, 0.25, 0.25],
                  [0.5, 0.0, 0.5],
                  [0.2, 0.2, 0.6]])
NORMS = torch.tensor([1.0, 2.0, 1.0])
# rows of A * norms: (0.5, 0.5, 0.25) / 1.25, (0.5, 0, 0.5) / 1, (0.2, 0.4, 0.6) / 1.2
N = torch.tensor([[0.4, 0.4, 0.2],
                  [0.5, 0.0, 0.5],
                  [1 / 6, 1 / 3, 0.5]])


def _with_norms(batch, norms: list[torch.Tensor]):
    """``batch`` with value norms ``[L, H, n]`` per segment, padded with zeros."""
    b, layers, heads, size = batch.attentions.shape[:4]
    value_norms = torch.zeros(b, layers, heads, size)
    for k, n in enumerate(norms):
        value_norms[k, ..., : n.shape[-1]] = n
    return replace(batch, value_norms=value_norms)


def test_norm_weighted_map_by_hand() -> None:
    got = norm_weighted(A[None, None, None], NORMS[None, None, None])
    torch.testing.assert_close(got[0, 0, 0], N)


def test_encoder_shares_by_hand() -> None:
    batch = _with_norms(make_batch([A[None, None]], [[R.CLS, R.WORD, R.SEP]]),
                        [NORMS[None, None]])
    acc = NormShares(context(1, 1))
    acc.update(batch)
    out = acc.result()
    metrics = {name: values[0][0] for name, values in out["metrics"].items()}
    expected = {"norm_cls": (0.4 + 0.5 + 1 / 6) / 3, "norm_sep": (0.2 + 0.5 + 0.5) / 3,
                "norm_self": (0.4 + 0.0 + 0.5) / 3, "norm_next": (0.4 + 0.5) / 3,
                "norm_prev": (0.5 + 1 / 3) / 3, "norm_punct": 0.0,
                "norm_sep_sep": 0.5, "norm_rest_sep": (0.2 + 0.5) / 2}
    assert metrics == pytest.approx(expected, abs=1e-6)
    assert out["value_norm"] == {"cls": [[1.0]], "sep": [[1.0]], "punct": [[0.0]],
                                 "other": [[2.0]]}
    assert out["segments"] == 1


def test_equal_norms_give_the_raw_statistics() -> None:
    gen = torch.Generator().manual_seed(3)
    maps = [random_maps(2, 3, n, gen) for n in (7, 5)]
    roles = [pair_roles(7, 3), pair_roles(5, 2)]
    batch = make_batch(maps, roles)
    raw = SurfaceStats(context(2, 3))
    raw.update(batch)
    norm = NormShares(context(2, 3))
    norm.update(_with_norms(batch, [torch.full((2, 3, 7), 2.5), torch.full((2, 3, 5), 2.5)]))
    got = norm.result()["metrics"]
    for name, values in raw.result()["metrics"].items():
        torch.testing.assert_close(torch.tensor(got[f"norm_{name}"]), torch.tensor(values),
                                   atol=2e-6, rtol=0)


def _reference_cls_sep(maps: list[torch.Tensor], norms: list[torch.Tensor],
                       roles: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """norm_cls and norm_sep with plain loops, float64."""
    layers, heads = maps[0].shape[:2]
    cls = torch.zeros(layers, heads, dtype=torch.float64)
    sep = torch.zeros(layers, heads, dtype=torch.float64)
    for m, nv, r in zip(maps, norms, roles, strict=True):
        n = m.shape[-1]
        for layer in range(layers):
            for head in range(heads):
                for i in range(n):
                    row = [float(m[layer, head, i, j]) * float(nv[layer, head, j])
                           for j in range(n)]
                    total = sum(row)
                    for j in range(n):
                        if r[j] == R.CLS:
                            cls[layer, head] += row[j] / total / n
                        if r[j] == R.SEP:
                            sep[layer, head] += row[j] / total / n
    return cls / len(maps), sep / len(maps)


def test_against_a_loop_reference_and_merged_shards() -> None:
    gen = torch.Generator().manual_seed(5)
    lengths = (6, 9, 4)
    maps = [random_maps(2, 2, n, gen) for n in lengths]
    norms = [torch.rand(2, 2, n, generator=gen) * 3 + 0.1 for n in lengths]
    roles = [pair_roles(n, n // 2) for n in lengths]
    cls, sep = _reference_cls_sep(maps, norms, roles)
    one = NormShares(context(2, 2))
    one.update(_with_norms(make_batch(maps, roles), norms))
    shard_a, shard_b = NormShares(context(2, 2)), NormShares(context(2, 2))
    shard_a.update(_with_norms(make_batch(maps[:2], roles[:2]), norms[:2]))
    shard_b.update(_with_norms(make_batch(maps[2:], roles[2:], index=[2]), norms[2:]))
    shard_a.merge(shard_b)
    for acc in (one, shard_a):
        out = acc.result()["metrics"]
        torch.testing.assert_close(torch.tensor(out["norm_cls"], dtype=torch.float64), cls,
                                   atol=2e-6, rtol=0)
        torch.testing.assert_close(torch.tensor(out["norm_sep"], dtype=torch.float64), sep,
                                   atol=2e-6, rtol=0)
    assert shard_a.result()["value_norm"] == one.result()["value_norm"]


def test_a_batch_without_norms_is_refused() -> None:
    acc = NormShares(context(1, 1))
    with pytest.raises(ValueError, match="value_norms"):
        acc.update(make_batch([A[None, None]], [[R.CLS, R.WORD, R.SEP]]))


def test_decoder_shares_by_hand() -> None:
    """"<bos> a ," with norms 0.5, 1, 2; rows i >= 1 only."""
    a = torch.tensor([[1.0, 0.0, 0.0], [0.6, 0.4, 0.0], [0.5, 0.3, 0.2]])
    batch = _with_norms(make_batch([a[None, None]], [[R.OTHER_SPECIAL, R.WORD, R.PUNCT]]),
                        [torch.tensor([0.5, 1.0, 2.0])[None, None]])
    # row 1: (0.3, 0.4) / 0.7; row 2: (0.25, 0.3, 0.4) / 0.95
    acc = CausalNormShares(causal_batches.context(1, 1))
    acc.update(batch)
    out = acc.result()
    metrics = {name: values[0][0] for name, values in out["metrics"].items()}
    assert metrics == pytest.approx({
        "norm_first": (3 / 7 + 5 / 19) / 2, "norm_self": (4 / 7 + 8 / 19) / 2,
        "norm_prev": (3 / 7 + 6 / 19) / 2, "norm_punct": (0 + 8 / 19) / 2}, abs=1e-6)
    assert out["value_norm"] == {"first": [[0.5]], "punct": [[2.0]], "other": [[1.0]]}
    assert out["architecture_kind"] == "decoder"


def test_decoder_layer_slices_give_the_whole_batches_digits() -> None:
    gen = torch.Generator().manual_seed(2)
    batches = []
    for seed, lengths in ((1, [5, 3]), (2, [4])):
        batch = causal_batches.random_batch(3, 2, lengths, seed)
        norms = torch.rand(batch.attentions.shape[:4], generator=gen) + 0.1
        for k, n in enumerate(lengths):
            norms[k, ..., n:] = 0
        batches.append(replace(batch, value_norms=norms))
    whole, sliced = CausalNormShares(causal_batches.context(3, 2)), \
        CausalNormShares(causal_batches.context(3, 2))
    for batch in batches:
        whole.update(batch)
    for layer in (2, 0, 1):
        for batch in batches:
            sliced.update(replace(batch, attentions=batch.attentions[:, [layer]].clone(),
                                  value_norms=batch.value_norms[:, [layer]].clone(),
                                  layers=torch.tensor([layer])))
    assert sliced.result() == whole.result()


def test_every_metric_is_the_surface_statistic_of_the_norm_weighted_maps() -> None:
    """The fused update against the plain definition: SurfaceStats (CausalSurfaceStats for a
    decoder) on the materialised maps ``norm_weighted(A, norms)``, random maps and norms."""
    from generator.analyses.causal_surface import CausalSurfaceStats

    gen = torch.Generator().manual_seed(11)
    lengths = (8, 5, 6)
    maps = [random_maps(2, 3, n, gen) for n in lengths]
    norms = [torch.rand(2, 3, n, generator=gen) * 4 + 0.05 for n in lengths]
    batch = _with_norms(make_batch(maps, [pair_roles(n, 2) for n in lengths]), norms)
    plain = replace(batch, attentions=norm_weighted(batch.attentions, batch.value_norms))
    for fused_type, plain_type, ctx in (
            (NormShares, SurfaceStats, context(2, 3)),
            (CausalNormShares, CausalSurfaceStats, causal_batches.context(2, 3))):
        fused, reference = fused_type(ctx), plain_type(ctx)
        the_batch = batch
        if fused_type is CausalNormShares:
            the_batch = _with_norms(causal_batches.random_batch(2, 3, list(lengths), 4), norms)
            plain = replace(the_batch, attentions=norm_weighted(the_batch.attentions,
                                                                the_batch.value_norms))
        fused.update(the_batch)
        reference.update(plain)
        want = reference.result()["metrics"]
        got = fused.result()["metrics"]
        assert sorted(got) == sorted(f"norm_{m}" for m in want)
        for name, values in want.items():
            torch.testing.assert_close(torch.tensor(got[f"norm_{name}"]), torch.tensor(values),
                                       atol=2e-6, rtol=0, msg=name)
