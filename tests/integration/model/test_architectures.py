"""Every supported architecture loads, finds its specials through the tokenizer, and extracts
the weights a plain transformers forward pass of each segment alone gives."""

import inspect

import pytest
import torch
from transformers import AutoModel

from generator.config import BuildConfig
from generator.model import roles as R
from generator.model.extraction import extract
from generator.model.loading import load_model
from generator.streams.general import prepare_general
from tests.helpers import ARCHITECTURES, SAMPLE_TEXT


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_extracts_valid_attention(tiny_model_dir, kind, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(SAMPLE_TEXT)
    lm = load_model(str(tiny_model_dir(kind)))
    assert (lm.num_layers, lm.num_heads) == (2, 4)
    # short segments kept: SAMPLE_TEXT gives most architectures no full-length one at max_len 40
    config = BuildConfig(model=str(tiny_model_dir(kind)), text=corpus, max_len=40,
                         keep_short_segments=True)
    stream = prepare_general(config, lm)
    batches = list(extract(lm, stream.segments, batch_size=3))
    assert sum(b.size for b in batches) == len(stream.segments) >= 2
    plain = AutoModel.from_pretrained(tiny_model_dir(kind), attn_implementation="eager").eval()
    takes_types = "token_type_ids" in inspect.signature(plain.forward).parameters
    for b in batches:
        n_max = b.attentions.shape[-1]
        for k in range(b.size):
            n = int(b.lengths[k])
            a = b.attentions[k]
            seg = stream.segments[int(b.index[k])]
            assert list(seg.input_ids) == b.input_ids[k, :n].tolist()
            extra = {"token_type_ids": torch.tensor([seg.token_type_ids])} if takes_types else {}
            with torch.no_grad():
                out = plain(input_ids=torch.tensor([seg.input_ids]), output_attentions=True,
                            **extra)
            expected = torch.stack(out.attentions)[:, 0]  # [L, H, n, n], this segment alone
            assert torch.allclose(a[:, :, :n, :n], expected, atol=1e-6), int(b.index[k])
            assert torch.allclose(a[:, :, :n, :n].sum(-1), torch.ones(2, 4, n), atol=1e-5)
            assert a[:, :, n:, :].abs().sum() == 0 and a[:, :, :, n:].abs().sum() == 0
            roles = b.roles[k, :n].tolist()
            assert roles[0] == R.CLS and roles[-1] == R.SEP
            # pair segments: BERT-style have 2 separators, RoBERTa-style 3 (</s></s>)
            assert roles.count(R.SEP) == (3 if kind in ("roberta", "mpnet") else 2)
            assert (b.roles[k, n:] == R.PAD).all() and n <= n_max
