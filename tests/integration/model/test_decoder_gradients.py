"""A decoder's gradient objective (SPEC section 11): the model's own next-token loss, and its
attention equals the extraction's, so the gradient sample may lend its batches."""

from __future__ import annotations

import pytest
import torch

from generator.encoding.segment import Segment
from generator.model.extraction import run_batch
from generator.model.gradients import NEXT_TOKEN, UNCHANGED_INPUT, GradientExtractor
from generator.model.loading import load_model
from tests.helpers import DECODER_ARCHITECTURES

TEXTS = ("The cat sat on the mat, and the dog ran to the house.", "He left.",
         "John said the king was old. Mary made a new book in London.")


def decoder_segments(lm) -> list[Segment]:
    out = []
    for text in TEXTS:
        ids = lm.template.single(lm.tokenizer(text, add_special_tokens=False)["input_ids"])[0]
        out.append(Segment(tuple(ids), (0,) * len(ids), (-1,) * len(ids), text))
    return out


def test_the_objective_is_the_models_own_next_token_loss(tiny_decoder_dir):
    lm = load_model(str(tiny_decoder_dir("llama")), decoders=True)
    ex = GradientExtractor.for_model(lm, seed=0)
    assert ex.objective == NEXT_TOKEN and NEXT_TOKEN in UNCHANGED_INPUT
    assert ex.module is lm.lm_head_model
    assert ex.describe()["name"] == "next_token"
    segments = decoder_segments(lm)
    batch = ex.run_batch(segments, [0, 1, 2])  # segments 1 and 2 are padded here
    for b, segment in enumerate(segments):
        n = len(segment)
        ids = torch.tensor([segment.input_ids])
        with torch.enable_grad():
            # transformers' own loss: labels = the input, shifted inside the model
            out = lm.lm_head_model(input_ids=ids, labels=ids, output_attentions=True)
            grads = torch.autograd.grad(out.loss, out.attentions)
        expected = torch.stack(grads, dim=1)[0]  # [L, H, n, n]
        got = batch.gradients[b, :, :, :n, :n]
        scale = float(expected.abs().max())
        assert scale > 0
        torch.testing.assert_close(got, expected, atol=1e-5 * scale, rtol=1e-4)
        assert not batch.gradients[b, :, :, n:].any() and not batch.gradients[b, ..., n:].any()


@pytest.mark.parametrize("kind", DECODER_ARCHITECTURES)
def test_the_gradient_pass_gives_the_extractions_attention(tiny_decoder_dir, kind):
    """The whole causal LM with autograd (gradients) and the base model through the attention
    tap (extraction) give the same weights: the lent batches are the general stream's."""
    lm = load_model(str(tiny_decoder_dir(kind)), decoders=True)
    segments = decoder_segments(lm)
    lent = GradientExtractor.for_model(lm, seed=0).run_batch(segments, [0, 1, 2])
    extracted = run_batch(lm, segments, [0, 1, 2])
    assert torch.equal(lent.lengths, extracted.lengths)
    assert torch.equal(lent.roles, extracted.roles)
    torch.testing.assert_close(lent.attentions, extracted.attentions, atol=1e-6, rtol=0)
