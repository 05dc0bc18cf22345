"""Per-layer capture (generator/model/layer_capture.py) hands each layer's weights to the
consumer as it is produced, bit for bit those of ``output_attentions=True``, on every decoder
architecture, for a right-padded batch of two unequal segments."""

from __future__ import annotations

import pytest
import torch

from generator.model.layer_capture import CAPTURE, attention_layers, capture_layers, pad_right
from generator.model.loading import load_model
from tests.helpers import DECODER_ARCHITECTURES

TEXTS = ["The cat sat on the mat, and the dog ran to the house.", "He went home."]


def _batch(lm) -> tuple[torch.Tensor, torch.Tensor, list[int]]:
    seqs = [lm.template.single(lm.tokenizer(t, add_special_tokens=False)["input_ids"])[0]
            for t in TEXTS]
    ids, mask = pad_right(seqs, lm.tokenizer.eos_token_id)
    return ids, mask, [len(s) for s in seqs]


@pytest.mark.parametrize("kind", DECODER_ARCHITECTURES)
def test_capture_equals_output_attentions(tiny_decoder_dir, kind):
    lm = load_model(str(tiny_decoder_dir(kind)), decoders=True)
    ids, mask, lengths = _batch(lm)
    assert lengths[0] > lengths[1] and mask[1, lengths[1]:].eq(0).all()  # right-padded
    caught: list[tuple[int, torch.Tensor]] = []
    with torch.inference_mode():
        reference = lm.model(input_ids=ids, attention_mask=mask, output_attentions=True)
        with capture_layers(lm.model, lambda layer, w: caught.append((layer, w))):
            out = lm.model(input_ids=ids, attention_mask=mask)
            assert lm.model.config._attn_implementation == CAPTURE
        alone = lm.model(input_ids=ids[1:, : lengths[1]], output_attentions=True).attentions
    assert lm.model.config._attn_implementation == "eager"  # restored
    assert [layer for layer, _ in caught] == [0, 1]  # each layer once, in order
    for layer, weights in caught:
        assert weights.shape == (2, 4, ids.shape[1], ids.shape[1])  # query heads
        assert torch.equal(weights, reference.attentions[layer])
        n = lengths[1]  # the padded segment's real rows are those of a run alone
        assert torch.allclose(weights[1, :, :n, :n], alone[layer][0], atol=1e-6)
        for b, n in enumerate(lengths):
            assert torch.all(weights[b, :, :n, :n].triu(1) == 0)  # causal
            assert torch.all(weights[b, :, :n, n:] == 0)  # padding columns get nothing
    assert torch.equal(out.last_hidden_state, reference.last_hidden_state)


def test_nested_blocks_feed_the_innermost_consumer(tiny_decoder_dir):
    lm = load_model(str(tiny_decoder_dir("llama")), decoders=True)
    ids, mask, _ = _batch(lm)
    outer: list[int] = []
    inner: list[int] = []
    with torch.inference_mode(), capture_layers(lm.model, lambda i, w: outer.append(i)):
        with capture_layers(lm.model, lambda i, w: inner.append(i)):
            lm.model(input_ids=ids, attention_mask=mask)
        lm.model(input_ids=ids, attention_mask=mask)
    assert inner == [0, 1] and outer == [0, 1]
    assert lm.model.config._attn_implementation == "eager"


def test_whole_causal_lm_and_errors_restore(tiny_decoder_dir):
    """Capture works on the whole causal LM too, and an error inside the block restores eager
    attention."""
    lm = load_model(str(tiny_decoder_dir("gpt2")), decoders=True)
    ids, mask, _ = _batch(lm)
    seen: list[int] = []
    with pytest.raises(RuntimeError, match="stop"), torch.inference_mode(), \
            capture_layers(lm.lm_head_model, lambda i, w: seen.append(i)):
        lm.lm_head_model(input_ids=ids, attention_mask=mask)
        raise RuntimeError("stop")
    assert seen == [0, 1] and lm.lm_head_model.config._attn_implementation == "eager"
    assert len(attention_layers(lm.lm_head_model)) == 2


def test_a_model_without_attention_layers_is_refused():
    from transformers import MambaConfig, MambaModel

    model = MambaModel(MambaConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1,
                                   state_size=4))
    assert attention_layers(model) == []
    with pytest.raises(ValueError, match="no attention layer"), capture_layers(model, print):
        pass


def test_pad_right():
    ids, mask = pad_right([[5, 6, 7], [8]], 0)
    assert ids.tolist() == [[5, 6, 7], [8, 0, 0]]
    assert mask.tolist() == [[1, 1, 1], [1, 0, 0]]
