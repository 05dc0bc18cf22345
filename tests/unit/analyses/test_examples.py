"""Example maps: which positions are kept, the cropped encoding, and the accumulator."""

from __future__ import annotations

import pytest
import torch

from generator.analyses.base import AnalysisContext
from generator.analyses.examples import AttentionExamples, encode_map, kept_positions
from generator.config import BuildConfig
from generator.mapformat import decode_map, encode_rows
from generator.model import roles as R
from generator.model.batch import AttentionBatch

C, S, W, P, PAD = R.CLS, R.SEP, R.WORD, R.PUNCT, R.PAD


def test_short_segments_are_kept_whole() -> None:
    assert kept_positions([C, W, W, S], max_tokens=4) == [0, 1, 2, 3]


def test_long_segments_keep_specials_and_the_first_words() -> None:
    roles = [C, W, P, W, W, S, W, W, S]
    # budget 5 - 3 specials = 2 ordinary tokens: positions 1 and 2
    assert kept_positions(roles, max_tokens=5) == [0, 1, 2, 5, 8]


def test_encode_map_crops_and_keeps_the_rest_in_a_last_column() -> None:
    a = torch.tensor([
        [0.5, 0.5, 0.0, 0.0],
        [0.1, 0.2, 0.3, 0.4],
        [0.0, 0.0, 1.0, 0.0],
        [0.25, 0.25, 0.25, 0.25],
    ])
    encoded = encode_map(a, [0, 1, 3])
    # rows 0, 1, 3; columns 0, 1, 3 and "other" (column 2)
    assert encoded == "500 500 0 0;100 200 400 300;250 250 250 250"
    assert decode_map(encoded) == [[0.5, 0.5, 0.0, 0.0], [0.1, 0.2, 0.4, 0.3],
                                   [0.25, 0.25, 0.25, 0.25]]


def test_encode_rows_and_decode_are_inverse() -> None:
    rows = [[0, 1000], [333, 667]]
    assert encode_rows(rows) == "0 1000;333 667"
    assert decode_map("0 1000;333 667") == [[0.0, 1.0], [0.333, 0.667]]


class _Tokenizer:
    def convert_ids_to_tokens(self, ids: list[int]) -> list[str]:
        return [f"t{i}" for i in ids]


def _batch() -> AttentionBatch:
    """Two segments (corpus positions 3 and 0), 1 layer x 2 heads, the second one padded."""
    n = 4
    att = torch.zeros(2, 1, 2, n, n)
    att[0, 0, 0] = torch.eye(n)  # head 0 of segment 3 attends to itself
    att[1, 0, 0, :3, :3] = torch.tensor([[1.0, 0, 0], [1.0, 0, 0], [0, 1.0, 0]])
    att[1, 0, 1, :3, :3] = 1 / 3
    return AttentionBatch(
        attentions=att,
        input_ids=torch.tensor([[5, 6, 7, 8], [10, 11, 12, 0]]),
        roles=torch.tensor([[C, W, W, S], [C, W, S, PAD]], dtype=torch.int8),
        word_ids=torch.tensor([[-1, 0, 1, -1], [-1, 0, -1, -1]]),
        lengths=torch.tensor([4, 3]),
        index=torch.tensor([3, 0]),
    )


def _context() -> AnalysisContext:
    return AnalysisContext(1, 2, BuildConfig(), data=None, tokenizer=_Tokenizer())


def test_accumulator_keeps_only_the_first_segments_of_the_corpus() -> None:
    acc = AttentionExamples(_context(), count=2, max_tokens=8)
    acc.update(_batch())
    result = acc.result()
    assert [e["index"] for e in result["examples"]] == [0]  # corpus position 3 is not kept
    ex = result["examples"][0]
    assert ex["tokens"] == ["t10", "t11", "t12"] and ex["length"] == 3
    assert ex["roles"] == ["cls", "word", "sep"] and ex["cropped"] is False
    assert decode_map(ex["maps"][0][0]) == [[1.0, 0, 0, 0], [1.0, 0, 0, 0], [0, 1.0, 0, 0]]
    assert decode_map(ex["maps"][0][1])[0] == [0.333, 0.333, 0.333, 0.0]


def test_merge_concatenates_and_result_is_ordered() -> None:
    first = AttentionExamples(_context(), count=4, max_tokens=8)
    second = AttentionExamples(_context(), count=4, max_tokens=8)
    batch = _batch()
    second.update(batch)
    first.merge(second)
    assert [e["index"] for e in first.result()["examples"]] == [0, 3]
    with pytest.raises(TypeError):
        first.merge(object())  # type: ignore[arg-type]


def _slices_in_reverse(batch: AttentionBatch) -> list[AttentionBatch]:
    from dataclasses import replace
    return [replace(batch, attentions=batch.attentions[:, [layer]],
                    layers=torch.tensor([layer])) for layer in
            reversed(range(batch.attentions.shape[1]))]


def test_layer_slices_in_any_order_give_the_whole_batch_examples() -> None:
    from tests.helpers import make_batch
    torch.manual_seed(0)
    maps = [torch.rand(3, 2, n, n).softmax(-1) for n in (5, 4)]
    batch = make_batch(maps, [[C, W, P, W, S], [C, W, W, S]])
    context = AnalysisContext(3, 2, BuildConfig())
    whole, sliced = AttentionExamples(context), AttentionExamples(context)
    whole.update(batch)
    parts = _slices_in_reverse(batch)
    for part in parts[:-1]:
        sliced.update(part)
    assert sliced.examples == [] and sorted(sliced._partial) == [0, 1]  # waiting for layer 0
    with pytest.raises(ValueError, match="lacks layers"):
        sliced.merge(AttentionExamples(context))
    sliced.update(parts[-1])
    assert sliced.result() == whole.result()
    # each layer's maps are that layer's own: layer 2, head 1 of segment 0, as encoded alone
    assert sliced.result()["examples"][0]["maps"][2][1] == encode_map(maps[0][2, 1],
                                                                      [0, 1, 2, 3, 4])
    again = AttentionExamples(context)
    again.update(parts[0])
    with pytest.raises(ValueError, match="arrived twice"):
        again.update(parts[0])
