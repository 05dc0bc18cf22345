"""Kovaleva pattern classes of a decoder (SPEC section 11): vertical = mass on position 0 and
"." / "," columns, diagonal = mass on i-1 and i, over rows i >= 1; no block class."""

from __future__ import annotations

import pytest
import torch

from generator.analyses.behaviour import (
    DECODER_PATTERN_RULES,
    PATTERN_RULES,
    add_decoder_labels,
    pattern_class,
)
from generator.analyses.blocks import BlockMass, causal_pattern_masks
from generator.model import roles as R
from tests.unit.analyses.batches import context, make_batch, pair_roles
from tests.unit.analyses.causal import decoder_context, layer_slices

# [BOS] a , b: position 0, a word, a comma, a word.
ROLES = [R.CLS, R.WORD, R.PUNCT, R.WORD]
SINK = [[1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]]
PREVIOUS = [[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
MIXED = [[1, 0, 0, 0], [0, 1, 0, 0], [.5, 0, .5, 0], [.2, .2, .2, .4]]
# By hand, rows 1..3:
#   SINK      vertical 1, 1, 1            diagonal (row 1's previous token is position 0) 1, 0, 0
#   PREVIOUS  vertical 1, 0, 1 (the ",")  diagonal 1, 1, 1
#   MIXED     vertical 0, .5+.5, .2+.2    diagonal 1, .5, .2+.4


def heads_of(*maps):
    return torch.tensor([list(maps)], dtype=torch.float32)  # [1 layer, heads, n, n]


def test_masks_by_hand():
    vertical, diagonal, rows = causal_pattern_masks(torch.tensor([ROLES + [R.PAD]]))
    assert rows[0].tolist() == [False, True, True, True, False]
    assert {(i, j) for i in range(5) for j in range(5) if vertical[0, i, j]} == {
        (1, 0), (2, 0), (2, 2), (3, 0), (3, 2)}  # the comma only once visible
    assert {(i, j) for i in range(5) for j in range(5) if diagonal[0, i, j]} == {
        (1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3)}


def test_vertical_and_diagonal_of_hand_made_heads():
    acc = BlockMass(decoder_context(1, 3))
    acc.update(make_batch([heads_of(SINK, PREVIOUS, MIXED)], [ROLES]))
    out = acc.result()
    assert out["attention"] == "causal" and "reference" not in out
    scores = out["pattern_scores"]
    assert set(scores) == {"vertical", "diagonal"}  # no block in a decoder
    assert scores["vertical"] == pytest.approx([1.0, 2 / 3, 1.4 / 3], abs=1e-6)
    assert scores["diagonal"] == pytest.approx([1 / 3, 1.0, 2.1 / 3], abs=1e-6)


def test_segments_weigh_equally_padding_and_one_token_segments_are_ignored():
    acc = BlockMass(decoder_context(1, 3))
    short = heads_of([[1, 0], [1, 0]], [[1, 0], [1, 0]], [[1, 0], [0, 1]])
    alone = heads_of([[1]], [[1]], [[1]])  # row 0 only: nothing to score
    acc.update(make_batch([heads_of(SINK, PREVIOUS, MIXED), short, alone],
                          [ROLES, [R.CLS, R.WORD], [R.CLS]], pad_to=6))
    scores = acc.result()["pattern_scores"]
    # the short segment: SINK and PREVIOUS both give row 1 to position 0 (vertical 1, diagonal
    # 1); MIXED's row 1 stays on itself (vertical 0, diagonal 1)
    assert scores["vertical"] == pytest.approx([1.0, (2 / 3 + 1) / 2, 1.4 / 6], abs=1e-6)
    assert scores["diagonal"] == pytest.approx([(1 / 3 + 1) / 2, 1.0, (2.1 / 3 + 1) / 2],
                                               abs=1e-6)
    assert float(acc.segments[0]) == 2


def test_only_visible_entries_count():
    # a (non-causal) row 1 with mass on the comma after it: that mass is not vertical
    odd = [[1, 0, 0, 0], [0, .9, .1, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    acc = BlockMass(decoder_context(1, 1))
    acc.update(make_batch([heads_of(odd)], [ROLES]))
    scores = acc.result()["pattern_scores"]
    assert scores["vertical"] == pytest.approx([1 / 3], abs=1e-6)  # row 2's own comma
    assert scores["diagonal"] == pytest.approx([(0.9 + 1 + 1) / 3], abs=1e-6)


def test_layer_slices_give_the_whole_batch_scores():
    gen = torch.Generator().manual_seed(0)
    maps = []
    for n in (5, 8):
        logits = torch.randn(3, 2, n, n, generator=gen)
        logits = logits.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
        maps.append(torch.softmax(logits, -1))
    roles = [[R.CLS, R.WORD, R.PUNCT, R.WORD, R.WORD],
             [R.CLS, R.WORD, R.WORD, R.PUNCT, R.WORD, R.WORD, R.PUNCT, R.WORD]]
    batch = make_batch(maps, roles)
    for ctx in (decoder_context(3, 2), context(3, 2)):
        whole, sliced = BlockMass(ctx), BlockMass(ctx)
        whole.update(batch)
        for piece in layer_slices(batch, [[2], [0, 1]]):
            sliced.update(piece)
        assert sliced.result() == whole.result()
    # encoder slices too: the uniform reference is counted once per segment
    enc = BlockMass(context(3, 2))
    enc.update(make_batch(maps, [pair_roles(5, 2), pair_roles(8, 4)]))
    enc_sliced = BlockMass(context(3, 2))
    for piece in layer_slices(make_batch(maps, [pair_roles(5, 2), pair_roles(8, 4)]),
                              [[1], [2], [0]]):
        enc_sliced.update(piece)
    assert enc_sliced.result() == enc.result()


def test_decoder_classes_never_give_block():
    assert pattern_class(0.3, 0.3, None, 0.0) == "vertical+diagonal"
    assert pattern_class(0.5, 0.1, None, 0.0) == "vertical"
    assert pattern_class(0.1, 0.5, None, 0.0) == "diagonal"
    assert pattern_class(0.1, 0.1, None, 0.0) == "heterogeneous"
    heads = {"attention": "causal",
             "pattern_scores": {"vertical": [0.3, 0.5, 0.1, 0.1, 0.39],
                                "diagonal": [0.3, 0.1, 0.5, 0.1, 0.24]}}
    # one layer of five heads; metrics below every label's threshold
    zeros = [[0.0] * 5]
    general = {"metrics": {name: zeros for name in ("first", "punct", "prev", "self")}}
    add_decoder_labels(general, heads)
    assert heads["pattern"] == ["vertical+diagonal", "vertical", "diagonal", "heterogeneous",
                                "heterogeneous"]
    thresholds = heads["thresholds"]
    assert [r["label"] for r in thresholds["pattern"]] == [
        "vertical+diagonal", "vertical", "diagonal", "heterogeneous"]
    assert thresholds["pattern"] == list(DECODER_PATTERN_RULES)
    assert "block" not in thresholds["pattern_scores"]
    assert "position 0" in thresholds["pattern_scores"]["vertical"]
    # the decoder's scores are kept as blocks.py wrote them
    assert heads["pattern_scores"]["vertical"] == [0.3, 0.5, 0.1, 0.1, 0.39]
    assert len(PATTERN_RULES) == 5  # the encoder rules keep block
