"""Padding rows and columns are zeroed in place; real entries are untouched."""

import torch

from generator.model.extraction import zero_padding


def test_zero_padding_touches_only_padding():
    att = torch.ones(2, 1, 1, 3, 3)
    zero_padding(att, [3, 2])
    assert att[0].sum() == 9  # no padding
    assert att[1, 0, 0].tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
