"""Decoder builds with the attention handed to the analyses one layer at a time (issue 18:
``--layer-slices on``) write the very results of whole-batch builds, and encoders never slice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from generator.cli.main import main
from generator.config import BuildConfig
from generator.model.extraction import plan_batches, run_batch, run_batch_sliced
from generator.model.loading import load_model
from generator.pipeline import slice_layers
from generator.streams.general import prepare_general
from tests.helpers import SAMPLE_TEXT
from tests.integration.analyses.test_coref_build import CONLLU

TREEBANK = "tests/fixtures/syntax_small.conllu"


def results(model: Path, out: Path, corpus: Path, coref: Path, *extra: str) -> dict[str, str]:
    assert main(["build", "--model", str(model), "--out", str(out), "--batch-size", "3",
                 "--no-site", "--no-cache", "--text", str(corpus), "--treebank", TREEBANK,
                 "--coref", str(coref), "--max-len", "24", "--gradient-segments", "2",
                 "--min-relation-count", "1", *extra]) == 0
    return {p.stem: p.read_text() for p in (out / "results").glob("*.json")}


@pytest.mark.parametrize("kind", ["llama", "gpt2"])
def test_sliced_decoder_build_writes_the_whole_batch_results(tiny_decoder_dir, tmp_path, kind):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(SAMPLE_TEXT * 3)
    coref = tmp_path / "coref.conllu"
    coref.write_text(CONLLU)
    model = tiny_decoder_dir(kind)
    whole = results(model, tmp_path / "whole", corpus, coref, "--layer-slices", "off")
    sliced = results(model, tmp_path / "sliced", corpus, coref, "--layer-slices", "on")
    assert set(whole) == set(sliced) and "general" in whole and "coref" in whole
    for name in sorted(whole):
        if name == "manifest":
            continue
        assert sliced[name] == whole[name], name  # byte for byte
    settings = [json.loads(docs["manifest"])["settings"] for docs in (whole, sliced)]
    assert (settings[0].pop("layer_slices"), settings[1].pop("layer_slices")) == ("off", "on")
    assert settings[0] == settings[1]


def test_sliced_batches_are_the_whole_batch_layer_by_layer(tiny_decoder_dir, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(SAMPLE_TEXT)
    config = BuildConfig(model=str(tiny_decoder_dir("llama")), text=corpus, max_len=24)
    lm = load_model(config.model, decoders=True)
    segments = prepare_general(config, lm).segments
    indices = plan_batches(segments, 3)[0]
    whole = run_batch(lm, segments, indices)
    parts = list(run_batch_sliced(lm, segments, indices))
    assert [p.layer_ids() for p in parts] == [[layer] for layer in range(lm.num_layers)]
    for layer, part in enumerate(parts):
        assert torch.equal(part.attentions[:, 0], whole.attentions[:, layer])
        for field in ("input_ids", "roles", "word_ids", "lengths", "index"):
            assert torch.equal(getattr(part, field), getattr(whole, field)), field
    # padding zeroed as in the whole path: the shortest segment's padded rows are zero
    n = int(whole.lengths.min())
    if n < whole.attentions.shape[-1]:
        assert all(float(p.attentions[-1, :, :, n:].abs().sum()) == 0 for p in parts)
    # closing early stops the pass cleanly (the worker thread is joined)
    stream = run_batch_sliced(lm, segments, indices)
    next(stream)
    stream.close()


def test_auto_slices_a_decoder_stream_over_the_budget_and_never_an_encoder(
        tiny_decoder_dir, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(SAMPLE_TEXT)
    config = BuildConfig(model=str(tiny_decoder_dir("llama")), text=corpus, max_len=24,
                         batch_size=3)
    lm = load_model(config.model, decoders=True)
    segments = prepare_general(config, lm).segments
    plan = plan_batches(segments, 3)
    largest = max(len(b) * max(len(segments[i]) for i in b) ** 2 for b in plan)
    size = largest * lm.num_layers * lm.num_heads * 4  # bytes of the largest batch
    def under(budget_bytes: float, mode: str = "auto") -> bool:
        return slice_layers("general", lm, segments,
                            BuildConfig(**{**config.__dict__, "layer_slices": mode,
                                           "attention_budget_gb": budget_bytes / 1e9}))
    assert under(size) is False and under(size - 1) is True
    assert under(0, "off") is False and under(10 * size, "on") is True
    lm.kind = "encoder"  # an encoder never slices, whatever the setting
    assert under(0, "on") is False
