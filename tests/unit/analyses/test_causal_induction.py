"""Synthetic repeated sequences and the induction / duplicate-token scores over them."""

from __future__ import annotations

import pytest
import torch

from generator.analyses.induction import InductionScores, top_heads
from generator.model.roles import OTHER_SPECIAL, WORD
from generator.synthetic import SyntheticLayout, layout_of, synthetic_sequences
from tests.unit.analyses.batches import make_batch
from tests.unit.analyses.causal_batches import (
    causal_maps,
    context,
    fed_whole_and_sliced,
    layer_slice,
)

# ---- the sequences


def test_sequences_are_bos_r_r_from_the_allowed_ids():
    allowed = [5, 9, 11, 40]
    seqs = synthetic_sequences(allowed, count=7, length=6, seed=3, bos_id=1)
    assert len(seqs) == 7
    layout = layout_of(6, bos_id=1)
    for seq in seqs:
        assert len(seq) == layout.length == 13
        assert seq[0] == 1
        assert seq[1:7] == seq[7:13]
        assert set(seq[1:]) <= set(allowed)
        for i in layout.second_copy:  # the duplicate of position i sits at i - length
            assert seq[i] == seq[i - 6]


def test_without_bos():
    seqs = synthetic_sequences([2, 3], count=2, length=4, seed=0, bos_id=None)
    layout = layout_of(4, bos_id=None)
    assert layout == SyntheticLayout(repeat_length=4, offset=0)
    for seq in seqs:
        assert len(seq) == layout.length == 8 and seq[:4] == seq[4:]
    assert list(layout.second_copy) == [4, 5, 6, 7]


def test_seeding():
    ids = list(range(100, 400))
    a = synthetic_sequences(ids, count=5, length=20, seed=42, bos_id=0)
    assert a == synthetic_sequences(ids, count=5, length=20, seed=42, bos_id=0)
    assert a != synthetic_sequences(ids, count=5, length=20, seed=43, bos_id=0)
    # the ids' order (and repeats) do not matter, only the set
    assert a == synthetic_sequences(list(reversed(ids)) + ids[:10], count=5, length=20,
                                    seed=42, bos_id=0)
    # the first sequences do not depend on how many are asked for
    assert synthetic_sequences(ids, count=2, length=20, seed=42, bos_id=0) == a[:2]


def test_draws_are_uniform():
    seqs = synthetic_sequences([7, 8, 9, 10], count=200, length=50, seed=1, bos_id=None)
    draws = [t for s in seqs for t in s[:50]]  # the first copies: 10,000 draws
    for token in (7, 8, 9, 10):
        # binomial(10000, 1/4): standard deviation 43; 5 sigma
        assert abs(draws.count(token) - 2500) < 220


def test_bad_arguments():
    with pytest.raises(ValueError):
        synthetic_sequences([], seed=0, bos_id=None)
    with pytest.raises(ValueError):
        synthetic_sequences([1], count=0, seed=0, bos_id=None)
    with pytest.raises(ValueError):
        synthetic_sequences([1], length=1, seed=0, bos_id=None)
    with pytest.raises(ValueError):
        SyntheticLayout(repeat_length=1)


# ---- the scores

# R of 3 tokens after a BOS: positions 0 (BOS), 1-3 (first copy), 4-6 (second copy). For rows
# i = 4, 5, 6 the duplicate column is i - 3 (1, 2, 3) and the induction column i - 2 (2, 3, 4).
LAYOUT = SyntheticLayout(repeat_length=3, offset=1)
N = 7
ROLES = [OTHER_SPECIAL] + [WORD] * 6


def on_offset(back: int) -> torch.Tensor:
    """Rows 4..6 on column i - back; earlier rows on position 0."""
    m = torch.zeros(N, N)
    m[:, 0] = 1.0
    for i in (4, 5, 6):
        m[i, 0] = 0.0
        m[i, i - back] = 1.0
    return m


def mixed() -> torch.Tensor:
    m = on_offset(3)
    m[4] = 0
    m[4, 1], m[4, 2], m[4, 4] = 0.5, 0.25, 0.25  # duplicate 0.5, induction 0.25
    m[5] = 0
    m[5, 2], m[5, 3], m[5, 0] = 0.1, 0.6, 0.3  # duplicate 0.1, induction 0.6
    m[6] = 0
    m[6, 3], m[6, 4], m[6, 6] = 0.2, 0.4, 0.4  # duplicate 0.2, induction 0.4
    return m


def uniform() -> torch.Tensor:
    return torch.tril(torch.ones(N, N)) / torch.arange(1, N + 1)[:, None]


def hand_batch():
    """2 layers x 2 heads, two sequences. Layer 0: induction head, then mixed (sequence 1) or a
    duplicate head (sequence 2); layer 1: uniform, duplicate."""
    first = torch.stack([torch.stack([on_offset(2), mixed()]),
                         torch.stack([uniform(), on_offset(3)])])
    second = first.clone()
    second[0, 1] = on_offset(3)
    return make_batch([first, second], [ROLES, ROLES])


# By hand: uniform rows give 1/(i+1): (1/5 + 1/6 + 1/7)/3 = 107/630 to both columns.
UNIFORM = (1 / 5 + 1 / 6 + 1 / 7) / 3
EXPECTED_INDUCTION = [[1.0, ((0.25 + 0.6 + 0.4) / 3 + 0.0) / 2], [UNIFORM, 0.0]]
EXPECTED_DUPLICATE = [[0.0, ((0.5 + 0.1 + 0.2) / 3 + 1.0) / 2], [UNIFORM, 1.0]]


def test_hand_made_induction_maps():
    acc = InductionScores(context(2, 2, data=LAYOUT))
    acc.update(hand_batch())
    out = acc.result()["induction"]
    for layer in range(2):
        assert out["induction"][layer] == pytest.approx(EXPECTED_INDUCTION[layer], abs=1e-6)
        assert out["duplicate"][layer] == pytest.approx(EXPECTED_DUPLICATE[layer], abs=1e-6)
    assert out["reference"]["uniform"] == pytest.approx(107 / 630, abs=1e-6)
    assert (out["sequences"], out["repeat_length"], out["bos"]) == (2, 3, True)
    assert [(t["layer"], t["head"]) for t in out["top_heads"]["induction"]] == [
        (0, 0), (0, 1), (1, 0), (1, 1)]  # 1.0, 0.208333, 0.169841, 0.0
    assert [(t["layer"], t["head"]) for t in out["top_heads"]["duplicate"]] == [
        (1, 1), (0, 1), (1, 0), (0, 0)]  # 1.0, 0.633333, 0.169841, 0.0
    assert out["top_heads"]["induction"][1]["score"] == 0.208333


def test_top_heads_ties_and_count():
    assert top_heads([[0.5, 0.9], [0.9, 0.1]], count=3) == [
        {"layer": 0, "head": 1, "score": 0.9}, {"layer": 1, "head": 0, "score": 0.9},
        {"layer": 0, "head": 0, "score": 0.5}]


def loop_scores(batch, layout, layers, heads):
    """A second implementation: plain loops over sequences and second-copy rows."""
    ind = [[0.0] * heads for _ in range(layers)]
    dup = [[0.0] * heads for _ in range(layers)]
    rows = list(layout.second_copy)
    for b in range(batch.size):
        for layer in range(layers):
            for head in range(heads):
                a = batch.attentions[b, layer, head].tolist()
                dup[layer][head] += sum(a[i][i - layout.repeat_length] for i in rows) / len(rows)
                ind[layer][head] += sum(a[i][i - layout.repeat_length + 1]
                                        for i in rows) / len(rows)
    return ([[v / batch.size for v in r] for r in ind], [[v / batch.size for v in r] for r in dup])


def random_synthetic(layout, layers, heads, count, seed):
    gen = torch.Generator().manual_seed(seed)
    maps = [causal_maps(layers, heads, layout.length, gen, sharpness=2.0) for _ in range(count)]
    return make_batch(maps, [[WORD] * layout.length] * count)


@pytest.mark.parametrize("layout", [SyntheticLayout(5, 1), SyntheticLayout(4, 0)])
def test_random_maps_match_plain_loops(layout):
    batch = random_synthetic(layout, 3, 2, 4, seed=21)
    acc = InductionScores(context(3, 2, data=layout))
    acc.update(batch)
    out = acc.result()["induction"]
    ind, dup = loop_scores(batch, layout, 3, 2)
    assert torch.tensor(out["induction"]) == pytest.approx(torch.tensor(ind), abs=1e-6)
    assert torch.tensor(out["duplicate"]) == pytest.approx(torch.tensor(dup), abs=1e-6)


def test_layer_slices_and_merge():
    layout = SyntheticLayout(5, 1)
    batches = [random_synthetic(layout, 3, 2, 3, seed=s) for s in (22, 23)]
    ctx = context(3, 2, data=layout)
    whole, sliced = fed_whole_and_sliced(InductionScores, ctx, batches, seed=5)
    assert sliced.result() == whole.result()
    assert sliced.result()["induction"]["sequences"] == 6
    left, right = InductionScores(ctx), InductionScores(ctx)
    left.update(batches[0])
    for layer in (2, 0, 1):
        right.update(layer_slice(batches[1], [layer]))
    left.merge(right)
    assert left.result() == whole.result()


def test_wrong_lengths_and_missing_layout_are_refused():
    acc = InductionScores(context(2, 2, data=SyntheticLayout(4, 1)))
    with pytest.raises(ValueError, match="9 tokens"):
        acc.update(hand_batch())  # sequences of 7
    with pytest.raises(TypeError):
        InductionScores(context(2, 2))
