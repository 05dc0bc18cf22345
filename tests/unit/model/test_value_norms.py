"""||f(x_j)|| of hand-made value vectors and output projections, worked out by hand."""

from __future__ import annotations

import math

import torch

from generator.model.value_norms import (
    head_norms,
    head_outputs,
    output_projection,
    projection_factor,
)

# Two heads of size 2 into a 2-dimensional output: W [D_out=2, H*d=4] (a Linear's weight).
# Head 0: W_0 = [[1, 0], [0, 3]], f(v) = (v0, 3 v1); head 1: W_1 = [[0, 2], [1, 0]],
# f(v) = (2 v1, v0).
W = torch.tensor([[1.0, 0.0, 0.0, 2.0],
                  [0.0, 3.0, 1.0, 0.0]])
# value[b=0, head, token, :] (the value bias already in them, as the layer hands them over)
VALUE = torch.tensor([[[[3.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
                       [[1.0, 0.0], [0.0, 2.0], [3.0, 4.0]]]])
NORMS = [[3.0, 3.0, math.sqrt(10.0)],  # (3, 0), (0, 3), (1, 3)
         [1.0, 4.0, math.sqrt(73.0)]]  # (0, 1), (4, 0), (8, 3)


def test_head_outputs_are_the_value_through_each_heads_slice() -> None:
    f = head_outputs(VALUE, W)
    assert f.shape == (1, 2, 3, 2)
    torch.testing.assert_close(f[0, 0], torch.tensor([[3.0, 0.0], [0.0, 3.0], [1.0, 3.0]]))
    torch.testing.assert_close(f[0, 1], torch.tensor([[0.0, 1.0], [4.0, 0.0], [8.0, 3.0]]))


def test_head_norms_by_hand() -> None:
    norms = head_norms(VALUE, projection_factor(W, 2))
    torch.testing.assert_close(norms, torch.tensor([NORMS]))


def test_grouped_query_heads_share_their_groups_value_head() -> None:
    """One value head shared by both query heads: each query head puts it through its own
    slice of W_O."""
    shared = VALUE[:, :1]  # [1, 1, 3, 2]: tokens (3, 0), (0, 1), (1, 1)
    norms = head_norms(shared, projection_factor(W, 2))
    expected = [[3.0, 3.0, math.sqrt(10.0)],  # head 0 as above
                [3.0, 2.0, math.sqrt(5.0)]]  # head 1: (0, 3), (2, 0), (2, 1)
    torch.testing.assert_close(norms, torch.tensor([expected]))


def test_small_norms_keep_their_digits() -> None:
    """A vector W nearly annihilates still gets its norm to float32 precision (a quadratic form
    v^T W^T W v in float32 would lose it)."""
    w = torch.tensor([[1.0, 1.0], [1.0, 1.0 + 1e-3]])  # one head of size 2
    v = torch.tensor([[[[1000.0, -1000.0]]]])  # W v = (0, -1)
    norms = head_norms(v, projection_factor(w, 2))
    torch.testing.assert_close(norms, torch.tensor([[[1.0]]]), rtol=1e-3, atol=0)


def test_a_rank_deficient_head_falls_back_to_qr() -> None:
    """W_h = [[1, 0], [0, 0]] has a singular Gram matrix (no Cholesky factor): f(v) = (v0, 0)."""
    w = torch.tensor([[1.0, 0.0], [0.0, 0.0]])
    v = torch.tensor([[[[3.0, 4.0], [0.0, 5.0]]]])
    torch.testing.assert_close(head_norms(v, projection_factor(w, 2)),
                               torch.tensor([[[3.0, 0.0]]]))


def test_output_projection_by_name_and_gpt2_conv1d() -> None:
    from transformers.pytorch_utils import Conv1D

    class Attention(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_proj = Conv1D(3, 4)  # nf = 3 outputs, nx = 4 inputs; weight [4, 3]

    module = Attention()
    weight, bias = output_projection(module, None)
    x = torch.randn(5, 4)
    torch.testing.assert_close(x @ weight.T + bias, module.c_proj(x))


def test_output_projection_of_a_bert_like_self_attention_is_its_parents() -> None:
    class Output(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dense = torch.nn.Linear(4, 3)

    class Parent(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.self = torch.nn.Module()
            self.output = Output()

    parent = Parent()
    weight, bias = output_projection(parent.self, parent)
    assert weight is parent.output.dense.weight and bias is parent.output.dense.bias
