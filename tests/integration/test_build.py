"""End to end on a tiny random model: CLI build, results schema, independent check, cache."""

from __future__ import annotations

import json

import numpy as np
import pytest
from transformers import AutoModel, AutoTokenizer

from generator.cli.main import main
from tests.helpers import SAMPLE_TEXT
from tests.reference import corpus_statistics

METRICS = ("self", "next", "prev", "cls", "sep", "punct", "sep_sep", "rest_sep", "entropy",
           "cls_entropy")


@pytest.fixture()
def corpus(tmp_path):
    f = tmp_path / "corpus.txt"
    f.write_text(SAMPLE_TEXT * 3)
    return f


def build(model_dir, corpus, out, *extra):
    return main(["build", "--model", str(model_dir), "--text", str(corpus), "--out", str(out),
                 "--max-len", "24", "--batch-size", "3", "--no-site", *extra])


def test_build_writes_documented_results(tiny_bert, corpus, tmp_path):
    out = tmp_path / "out"
    assert build(tiny_bert, corpus, out) == 0
    general = json.loads((out / "results" / "general.json").read_text())
    assert general["schema"] == 1
    assert general["model"]["num_layers"] == 2 and general["model"]["num_heads"] == 4
    assert set(METRICS) <= set(general["metrics"])
    for name in METRICS:
        grid = general["metrics"][name]
        assert len(grid) == 2 and all(len(row) == 4 for row in grid)
        assert general["layer_means"][name] == pytest.approx([sum(r) / 4 for r in grid],
                                                             abs=1e-5)
    assert general["corpus"]["segments"] > 3 and general["corpus"]["tokens"] > 0
    manifest = json.loads((out / "results" / "manifest.json").read_text())
    assert manifest["seed"] == 0 and manifest["packages"]["torch"]
    # a local model and input files by their names only (no --record-paths)
    assert manifest["model"]["name"] == general["model"]["name"] == tiny_bert.name
    assert "source" not in manifest["model"] and manifest["settings"]["model"] == tiny_bert.name
    assert corpus.name in manifest["inputs"] and manifest["settings"]["text"] == corpus.name
    text = (out / "results" / "manifest.json").read_text()
    assert str(tiny_bert.parent) not in text and str(tmp_path) not in text


def test_metrics_match_independent_computation(tiny_bert, tmp_path):
    """Pre-built segments through the CLI vs. plain loops over unbatched model outputs."""
    tok = AutoTokenizer.from_pretrained(tiny_bert)
    texts = [("the cat saw the dog .", "she said , the king was old ."),
             ("john went to london .", "it was big , and new ."),
             ("a man .", "the woman saw one car , two cars and three trees in the city .")]
    segments = []
    for a, b in texts:
        tokens = ["[CLS]", *tok.tokenize(a), "[SEP]", *tok.tokenize(b), "[SEP]"]
        segments.append({"tokens": tokens})
    f = tmp_path / "segments.json"
    f.write_text(json.dumps(segments))
    out = tmp_path / "out"
    assert main(["build", "--model", str(tiny_bert), "--segments", str(f), "--out", str(out),
                 "--batch-size", "2", "--no-site"]) == 0
    general = json.loads((out / "results" / "general.json").read_text())
    model = AutoModel.from_pretrained(tiny_bert, attn_implementation="eager").eval()
    pairs = []
    for s in segments:
        ids = tok.convert_tokens_to_ids(s["tokens"])
        first_sep = s["tokens"].index("[SEP]")
        pairs.append((ids, [0] * (first_sep + 1) + [1] * (len(ids) - first_sep - 1)))
    expected = corpus_statistics(model, tok, pairs)
    for name in METRICS:
        np.testing.assert_allclose(np.array(general["metrics"][name]), expected[name],
                                   atol=1e-5, err_msg=name)


def test_cache_is_reused_and_results_are_byte_identical(tiny_bert, corpus, tmp_path,
                                                        monkeypatch):
    out = tmp_path / "out"
    assert build(tiny_bert, corpus, out) == 0
    first = (out / "results" / "general.json").read_bytes()
    entries = list((out / ".headatlas-cache" / "attention").iterdir())
    # one entry per stream that ran (general, and syntax on parser trees of the text)
    assert entries and all((e / "meta.json").is_file() for e in entries)

    def no_model(*args, **kwargs):
        raise AssertionError("the model ran although the cache was complete")

    monkeypatch.setattr("generator.model.extraction.run_batch", no_model)
    assert build(tiny_bert, corpus, out) == 0
    assert (out / "results" / "general.json").read_bytes() == first


def test_interrupted_extraction_leaves_no_cache_entry(tiny_bert, corpus, tmp_path):
    from generator.config import BuildConfig
    from generator.model.cache import AttentionCache
    from generator.model.extraction import extract
    from generator.model.loading import load_model
    from generator.streams.general import prepare_general

    config = BuildConfig(model=str(tiny_bert), text=corpus, max_len=24)
    lm = load_model(config.model)
    stream = prepare_general(config, lm)
    cache = AttentionCache(tmp_path / "cache", "key")
    batches = extract(lm, stream.segments, batch_size=2, cache=cache)
    next(batches)
    batches.close()  # the consumer stops early, as on Ctrl-C
    assert not cache.complete
    assert list((tmp_path / "cache").iterdir()) == []


def test_model_name_and_record_paths_change_names_not_numbers_or_cache(
        tiny_bert, corpus, tmp_path, monkeypatch):
    """--model-name names the model in every document; --record-paths puts the full paths
    into manifest.json. Neither touches the attention cache's key (the model's fingerprint is
    that of its files) nor a number."""
    out = tmp_path / "out"
    assert build(tiny_bert, corpus, out) == 0
    first = json.loads((out / "results" / "general.json").read_text())

    def no_model(*args, **kwargs):
        raise AssertionError("the model ran although the cache was complete")

    monkeypatch.setattr("generator.model.extraction.run_batch", no_model)
    assert build(tiny_bert, corpus, out, "--model-name", "My model", "--record-paths") == 0
    again = json.loads((out / "results" / "general.json").read_text())
    assert again["model"]["name"] == "My model"
    assert {**again, "model": first["model"]} == first
    manifest = json.loads((out / "results" / "manifest.json").read_text())
    assert manifest["model"]["name"] == "My model"
    assert manifest["model"]["source"] == str(tiny_bert)
    assert manifest["settings"]["model"] == str(tiny_bert)
    assert str(corpus) in manifest["inputs"]


def test_seed_changes_segments(tiny_bert, corpus, tmp_path):
    build(tiny_bert, corpus, tmp_path / "a", "--seed", "1", "--max-segments", "3")
    build(tiny_bert, corpus, tmp_path / "b", "--seed", "2", "--max-segments", "3")
    a = json.loads((tmp_path / "a" / "results" / "general.json").read_text())
    b = json.loads((tmp_path / "b" / "results" / "general.json").read_text())
    assert a["metrics"] != b["metrics"]


def test_streams_over_the_cache_limit_are_not_cached(tiny_bert, corpus, tmp_path, capsys):
    out = tmp_path / "out"
    assert build(tiny_bert, corpus, out, "--cache-max-gb", "0.000001",
                 "--gradient-segments", "0") == 0
    err = capsys.readouterr().err
    assert "general: attention not cached (" in err and "> cache_max_gb 1e-06)" in err
    cache = out / ".headatlas-cache" / "attention"
    assert not cache.exists() or list(cache.iterdir()) == []
    assert (out / "results" / "general.json").is_file()


def test_short_segments_are_dropped_unless_kept(tiny_bert, tmp_path):
    # Every sentence is 6 wordpieces (5 vocabulary words and "."); --max-len 24 leaves 21.
    # Document 0: sentences 0-3 (24 >= 21) give a segment, 4-5 (12) end short. Document 1: 3
    # sentences (18) end short. Document 2: 4 sentences (24) fill one segment at its end.
    sentence = "The cat saw the dog."
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n\n".join(" ".join([sentence] * n) for n in (6, 3, 4)) + "\n")

    def corpus_header(*extra):
        out = tmp_path / f"out{len(extra)}"
        assert build(tiny_bert, corpus, out, "--no-cache", "--gradient-segments", "0",
                     "--distance-rows", "50", *extra) == 0
        manifest = json.loads((out / "results" / "manifest.json").read_text())
        general = json.loads((out / "results" / "general.json").read_text())
        return manifest["settings"]["keep_short_segments"], general["corpus"]

    keep, corpus_doc = corpus_header()
    assert keep is False
    assert (corpus_doc["documents"], corpus_doc["sentences"]) == (3, 13)
    assert (corpus_doc["candidates"], corpus_doc["segments"]) == (2, 2)
    assert (corpus_doc["dropped_short"], corpus_doc["dropped_single_sentence"]) == (2, 0)
    assert corpus_doc["tokens"] == 2 * 24  # two full segments: 21 pieces + 3 specials
    keep, corpus_doc = corpus_header("--keep-short-segments")
    assert keep is True
    assert (corpus_doc["candidates"], corpus_doc["segments"], corpus_doc["dropped_short"]) == (
        4, 4, 0)
    assert corpus_doc["tokens"] == 2 * 24 + (12 + 3) + (18 + 3)
