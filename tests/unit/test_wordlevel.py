"""Word-level conversion: sum of pieces' columns, mean (or first) of pieces' rows."""

import pytest
import torch

from generator.wordlevel import to_word_level, word_units

# tokens: [CLS] play ##ing ball [SEP]  -> words: 0 = playing (2 pieces), 1 = ball
WORD_IDS = [-1, 0, 0, 1, -1]
A = torch.tensor([
    [0.1, 0.2, 0.3, 0.4, 0.0],
    [0.0, 0.5, 0.1, 0.2, 0.2],
    [0.3, 0.3, 0.0, 0.0, 0.4],
    [0.25, 0.25, 0.25, 0.25, 0.0],
    [0.0, 0.0, 0.0, 0.0, 1.0],
])


def test_units():
    units, membership = word_units(WORD_IDS)
    assert units.word == (-1, 0, 1, -1)
    assert units.first_token == (0, 1, 3, 4)
    assert units.word_positions() == [1, 2]
    assert membership.tolist() == [
        [1, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]


def test_mean_rows_sum_columns():
    w, _ = to_word_level(A, WORD_IDS, "mean")
    # by hand: columns of "playing" = col1 + col2; row of "playing" = mean(row1, row2)
    expected = torch.tensor([
        [0.1, 0.5, 0.4, 0.0],
        [0.15, (0.6 + 0.3) / 2, 0.1, 0.3],
        [0.25, 0.5, 0.25, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ])
    assert torch.allclose(w, expected, atol=1e-6)
    assert torch.allclose(w.sum(-1), torch.ones(4), atol=1e-6)


def test_first_piece_rows():
    w, _ = to_word_level(A, WORD_IDS, "first")
    assert torch.allclose(w[1], torch.tensor([0.0, 0.6, 0.2, 0.2]), atol=1e-6)
    assert torch.allclose(w.sum(-1), torch.ones(4), atol=1e-6)


def test_batched_heads_and_padding():
    padded = torch.zeros(2, 3, 7, 7)
    padded[:, :, :5, :5] = A
    w, units = to_word_level(padded, WORD_IDS)
    assert w.shape == (2, 3, 4, 4)
    assert torch.allclose(w[1, 2], to_word_level(A, WORD_IDS)[0], atol=1e-6)
    assert units.size == 4


def test_bad_mode():
    with pytest.raises(ValueError):
        to_word_level(A, WORD_IDS, "last")
