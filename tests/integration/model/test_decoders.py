"""Causal LMs (SPEC section 11) load as decoders: every listed architecture, with eager
attention, its query heads, the BOS template, causal weights, an attention tap that gives the
whole pass's weights, and extraction whose batches equal each segment run alone."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest
import torch
from transformers import AutoModelForCausalLM

from generator.encoding.segment import Segment
from generator.errors import HeadAtlasError
from generator.model import roles as R
from generator.model.extraction import run_batch
from generator.model.loading import load_model
from tests.helpers import DECODER_ARCHITECTURES, SLIDING_WINDOW

TEXTS = ["The cat sat on the mat, and the dog ran to the house.", "He went home."]


def _segments(lm) -> list[Segment]:
    out = []
    for text in TEXTS:
        body = lm.tokenizer(text, add_special_tokens=False)["input_ids"]
        ids, types, _ = lm.template.single(body)
        out.append(Segment(tuple(ids), tuple(types), tuple([-1] * len(ids))))
    return out


@pytest.mark.parametrize("kind", DECODER_ARCHITECTURES)
def test_loads_as_a_decoder(tiny_decoder_dir, kind):
    folder = tiny_decoder_dir(kind)
    lm = load_model(str(folder), decoders=True)
    saved = json.loads((folder / "config.json").read_text())
    eos = lm.tokenizer.eos_token_id  # GPT-2 style: bos = eos = <|endoftext|>
    assert lm.kind == "decoder" and lm.describe()["kind"] == "decoder"
    assert (lm.num_layers, lm.num_heads) == (2, 4)
    assert lm.model.config.model_type == saved["model_type"] == kind
    assert lm.lm_head_model is not None and lm.model is lm.lm_head_model.base_model
    assert lm.lm_head_model.get_output_embeddings() is not None
    assert lm.model.config._attn_implementation == "eager"
    assert not lm.model.training and not lm.lm_head_model.training
    assert lm.template.single_parts == (("special", eos, 0), ("A", -1, 0))
    assert lm.template.single([7, 8]) == ([eos, 7, 8], [0, 0, 0], [-1, 0, 1])
    assert lm.roles.role(eos) == R.BOS and lm.roles.cls_id is None and not lm.roles.sep_ids
    assert lm.uses_token_types is False and lm.origin is None
    assert lm.attention_tap is not None

    segments = _segments(lm)
    batch = run_batch(lm, segments, [0, 1])  # right-padded, through the tap
    whole = run_batch(dataclasses.replace(lm, attention_tap=None), segments, [0, 1])
    assert torch.equal(batch.attentions, whole.attentions)
    plain = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager").eval()
    assert batch.attentions.shape[1:3] == (2, 4)  # query heads, also where keys are shared
    if hasattr(plain.config, "num_key_value_heads"):
        assert plain.config.num_key_value_heads in (2, 4)
    for k, seg in enumerate(segments):
        n = len(seg)
        with torch.no_grad():
            alone = plain(input_ids=torch.tensor([seg.input_ids]), output_attentions=True)
        expected = torch.stack(alone.attentions)[:, 0]  # [L, H, n, n]
        got = batch.attentions[k, :, :, :n, :n]
        assert torch.allclose(got, expected, atol=1e-6)
        assert torch.all(got.triu(1) == 0)  # causal
        assert torch.allclose(got.sum(-1), torch.ones(2, 4, n), atol=1e-5)
        assert batch.roles[k, 0] == R.BOS and (batch.roles[k, n:] == R.PAD).all()
        roles = batch.roles[k, :n].tolist()
        assert roles.count(R.PUNCT) == seg.input_ids.count(lm.tokenizer.convert_tokens_to_ids(
            ",")) + seg.input_ids.count(lm.tokenizer.convert_tokens_to_ids("."))
        assert R.CLS not in roles and R.SEP not in roles


@pytest.mark.parametrize("kind", ["mistral", "gemma2", "gemma3_text"])
def test_sliding_windows_show_as_zeros(tiny_decoder_dir, kind):
    lm = load_model(str(tiny_decoder_dir(kind)), decoders=True)
    seg = _segments(lm)[0]
    att = run_batch(lm, [seg], [0]).attentions[0]  # [L, H, n, n]
    n = len(seg)
    i, j = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
    far = (i - j) >= SLIDING_WINDOW
    assert far.any()
    # mistral slides in every layer; the tiny gemmas have layer_types [sliding, full]
    sliding = {"mistral": [0, 1], "gemma2": [0], "gemma3_text": [0]}[kind]
    for layer in range(2):
        beyond = att[layer][..., far]
        assert bool((beyond == 0).all()) == (layer in sliding), layer


def test_bos_off_starts_with_a_word(tiny_decoder_dir):
    lm = load_model(str(tiny_decoder_dir("llama")), decoders=True, bos="off")
    assert lm.template.single_parts == (("A", -1, 0),) and lm.template.single_overhead == 0
    body = lm.tokenizer("The cat", add_special_tokens=False)["input_ids"]
    assert lm.template.single(body)[0] == body
    assert lm.roles.role(lm.tokenizer.eos_token_id) == R.BOS  # a BOS in the text is still BOS


def test_pinned_attention_implementation_is_cleared(tiny_decoder_dir, tmp_path):
    """A folder whose config.json pins sdpa (which silently returns no weights) still loads
    with eager attention."""
    folder = tmp_path / "pinned"
    shutil.copytree(tiny_decoder_dir("llama"), folder)
    config = json.loads((folder / "config.json").read_text())
    config["_attn_implementation"] = "sdpa"
    (folder / "config.json").write_text(json.dumps(config))
    lm = load_model(str(folder), decoders=True)
    assert lm.model.config._attn_implementation == "eager"


def test_the_lm_head_model_predicts(tiny_decoder_dir):
    """The whole causal LM is there for the gradients: its logits over the base model's last
    hidden states."""
    lm = load_model(str(tiny_decoder_dir("qwen2")), decoders=True)
    ids = torch.tensor([_segments(lm)[1].input_ids])
    with torch.no_grad():
        hidden = lm.model(input_ids=ids).last_hidden_state
        logits = lm.lm_head_model(input_ids=ids).logits
    head = lm.lm_head_model.get_output_embeddings()
    assert torch.allclose(logits, head(hidden), atol=1e-6)
    assert logits.shape[-1] == len(lm.tokenizer)


def test_decoders_are_refused_unless_asked(tiny_decoder_dir):
    with pytest.raises(HeadAtlasError) as err:
        load_model(str(tiny_decoder_dir("gpt2")))
    assert "decoder (causal LM) models are refused here (load_model(decoders=False))" \
        in str(err.value)
    assert "model type 'gpt2'" in str(err.value)


def test_encoders_load_as_before(tiny_model_dir):
    lm = load_model(str(tiny_model_dir("bert")), decoders=True)
    assert lm.kind == "encoder" and lm.lm_head_model is None
    assert lm.describe()["kind"] == "encoder" and "origin" not in lm.describe()
