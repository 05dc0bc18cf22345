"""Probe features from hand-made word-level maps (SPEC 8)."""

import pytest
import torch

from generator.model import roles as R
from generator.probes.features import attention_features, word_vectors
from generator.wordlevel import word_units


def test_features_of_a_hand_made_map():
    # units: [CLS] w0 w1 w2 [SEP]; one layer, two heads; head 1 is head 0 transposed.
    units, _ = word_units([-1, 0, 1, 1, 2, -1])
    assert units.word == (-1, 0, 1, 2, -1)
    a = torch.tensor([[0.0, 0.1, 0.2, 0.3, 0.4],
                      [0.5, 0.0, 0.2, 0.2, 0.1],  # w0
                      [0.1, 0.6, 0.0, 0.1, 0.2],  # w1
                      [0.2, 0.1, 0.3, 0.0, 0.4],  # w2
                      [0.9, 0.0, 0.0, 0.0, 0.1]])
    maps = torch.stack([a, a.T])[None]  # [1, 2, 5, 5]
    roles = torch.tensor([R.CLS, R.WORD, R.WORD, R.WORD, R.SEP])
    words, root = attention_features(maps, units, roles)
    assert words.shape == (3, 3, 4) and root.shape == (3, 4, 2)
    # feature 0: head 0, dependent -> head: A[w_i, w_j]
    assert words[0, 1, 0] == pytest.approx(0.2)  # w0 -> w1
    assert words[2, 1, 0] == pytest.approx(0.3)  # w2 -> w1
    # feature 2: head 0 transposed: A[w_j, w_i]
    assert words[0, 1, 2] == pytest.approx(0.6)  # w1 -> w0
    # head 1 is A^T, so its plain feature equals head 0's transposed one
    assert torch.allclose(words[..., 1], words[..., 2])
    # ROOT: to [CLS] and to [SEP]; transposed: from [CLS] and from [SEP]
    assert root[0, 0].tolist() == pytest.approx([0.5, 0.1])
    assert root[2, 0].tolist() == pytest.approx([0.2, 0.4])
    assert root[1, 2].tolist() == pytest.approx([0.2, 0.0])  # A[CLS, w1], A[SEP, w1]
    assert root[2, 2].tolist() == pytest.approx([0.3, 0.0])


def test_two_sep_units_add_up():
    units, _ = word_units([-1, 0, 1, -1, -1])
    a = torch.full((4, 4), 0.25)
    a[1] = torch.tensor([0.1, 0.2, 0.3, 0.4])
    a = torch.cat([a, torch.zeros(4, 1)], 1)
    a = torch.cat([a, torch.zeros(1, 5)], 0)
    a[1, 3], a[1, 4] = 0.15, 0.25
    roles = torch.tensor([R.CLS, R.WORD, R.WORD, R.SEP, R.SEP])
    _, root = attention_features(a[None, None], units, roles)
    assert root[0, 0].tolist() == pytest.approx([0.1, 0.4])


def test_a_decoder_bos_takes_the_cls_channel():
    # units: BOS w0 w1; causal rows (each row sums to 1 over j <= i)
    units, _ = word_units([-1, 0, 1])
    a = torch.tensor([[1.0, 0.0, 0.0],
                      [0.7, 0.3, 0.0],   # w0: 0.7 to BOS
                      [0.6, 0.25, 0.15]])  # w1: 0.6 to BOS
    roles = torch.tensor([R.BOS, R.WORD, R.WORD])
    _, root = attention_features(a[None, None], units, roles)
    # to BOS in the first channel, nothing in the [SEP] channel
    assert root[0, 0].tolist() == pytest.approx([0.7, 0.0])
    assert root[1, 0].tolist() == pytest.approx([0.6, 0.0])
    # transposed: BOS attends only to itself, so "from BOS" is zero for every word
    assert root[:, 1].flatten().tolist() == [0.0] * 4


def test_word_vectors_average_pieces():
    table = torch.arange(20.0).reshape(10, 2)
    ids = torch.tensor([0, 3, 4, 5, 9, 1])
    word_ids = torch.tensor([-1, 0, 1, 1, 2, -1])
    vec = word_vectors(ids, word_ids, table, 3)
    assert vec.tolist() == [[6.0, 7.0], [9.0, 10.0], [18.0, 19.0]]
