"""Block mass: attention a word gives to words of its own [SEP]-delimited part."""

from __future__ import annotations

import pytest
import torch

from generator.analyses.blocks import BlockMass, same_part_words
from generator.model import roles as R
from tests.unit.analyses.batches import context, make_batch, pair_roles

# [CLS] a b [SEP] c [SEP]: parts 0 = {CLS, a, b, SEP}, 1 = {c, SEP}; words a, b (part 0), c (1).
ROLES = pair_roles(6, 3)
ROLES[4] = R.PUNCT  # "c" is a comma: punctuation still counts as a word here


def test_parts_and_word_pairs():
    mask, words = same_part_words(torch.tensor([ROLES]))
    assert words[0].tolist() == [False, True, True, False, True, False]
    expected = {(1, 1), (1, 2), (2, 1), (2, 2), (4, 4)}
    got = {(i, j) for i in range(6) for j in range(6) if mask[0, i, j]}
    assert got == expected


def test_block_mass_of_hand_made_heads():
    n = 6
    inside = torch.zeros(n, n)  # head 0: every word attends to the other word of its part
    inside[1, 2] = inside[2, 1] = inside[4, 4] = 1.0
    inside[0, 0] = inside[3, 3] = inside[5, 5] = 1.0
    to_cls = torch.zeros(n, n)  # head 1: everything to [CLS]
    to_cls[:, 0] = 1.0
    mixed = torch.zeros(n, n)  # head 2: word rows split half in part, half to the other part
    mixed[1, 1] = mixed[1, 4] = mixed[2, 2] = mixed[2, 4] = 0.5
    mixed[4, 4] = mixed[4, 1] = 0.5
    mixed[0, 0] = mixed[3, 3] = mixed[5, 5] = 1.0
    maps = torch.stack([inside, to_cls, mixed])[None]  # [1 layer, 3 heads, n, n]
    acc = BlockMass(context(1, 3))
    acc.update(make_batch([maps], [ROLES]))
    out = acc.result()
    assert out["pattern_scores"]["block"] == pytest.approx([1.0, 0.0, 0.5])
    # Uniform over 6 tokens: a and b see 2 words of their part, c sees 1: (2 + 2 + 1) / 6 / 3.
    assert out["reference"]["block_uniform"] == pytest.approx(5 / 18, abs=1e-6)


def test_segments_average_with_equal_weight_and_padding_is_ignored():
    n = 6
    maps = torch.zeros(1, 1, n, n)
    maps[0, 0, :, 0] = 1.0  # nothing stays in a part
    other = torch.zeros(1, 1, 4, 4)
    other[0, 0, 1, 1] = other[0, 0, 2, 2] = 1.0
    other[0, 0, 0, 0] = other[0, 0, 3, 3] = 1.0  # [CLS] a b [SEP]: all word mass in part
    acc = BlockMass(context(1, 1))
    acc.update(make_batch([maps, other], [ROLES, [R.CLS, R.WORD, R.WORD, R.SEP]]))
    assert acc.result()["pattern_scores"]["block"] == pytest.approx([0.5])
