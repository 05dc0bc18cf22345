"""The gradient sample lends its batches to the general stream (representation objective only):
the general results must be those of a build that runs every segment itself."""

from __future__ import annotations

import json

import pytest

import generator.model.extraction as extraction
from generator.cli.main import main
from tests.helpers import SAMPLE_TEXT

GENERAL_FILES = ("general", "heads", "examples", "norms")


@pytest.fixture()
def corpus(tmp_path):
    f = tmp_path / "corpus.txt"
    f.write_text(SAMPLE_TEXT * 3)
    return f


def counting_run_batch(monkeypatch) -> list[int]:
    """Record the corpus position of every segment the general extraction runs itself (the
    general stream is the first to call ``run_batch``; the syntax stream comes later)."""
    seen: list[int] = []
    first: list[int] = []
    real = extraction.run_batch

    def run_batch(lm, segments, indices, timings=None, **options):
        first[:] = first or [id(segments)]
        if id(segments) == first[0]:
            seen.extend(indices)
        return real(lm, segments, indices, timings, **options)

    monkeypatch.setattr(extraction, "run_batch", run_batch)
    return seen


def build(model, corpus, out, gradient_segments: int, *extra: str) -> dict[str, dict]:
    assert main(["build", "--model", str(model), "--text", str(corpus), "--out", str(out),
                 "--max-len", "24", "--batch-size", "3", "--no-site",
                 "--gradient-segments", str(gradient_segments), *extra]) == 0
    return {name: json.loads((out / "results" / f"{name}.json").read_text())
            for name in (*GENERAL_FILES, "manifest")}


def without_settings(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in ("settings",)}


def assert_close(a, b, path: str = "") -> None:
    """Equal structure; numbers within 2e-6: results are rounded to 6 decimals and the lent maps
    come from a whole forward pass with autograd on, which may differ in the last bit."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, abs=2e-6), path
    else:
        assert a == b, path


@pytest.mark.parametrize("cache", ["--cache", "--no-cache"])
def test_lent_batches_give_the_general_results_of_a_full_run(tiny_bert, corpus, tmp_path,
                                                              monkeypatch, cache):
    alone = build(tiny_bert, corpus, tmp_path / "alone", 0, cache)
    seen = counting_run_batch(monkeypatch)
    lent = build(tiny_bert, corpus, tmp_path / "lent", 4, cache)
    total = alone["general"]["corpus"]["segments"]
    assert total > 4
    # The general stream ran every segment but the four of the gradient sample.
    assert len(seen) == len(set(seen)) == total - 4
    for name in GENERAL_FILES:
        assert_close(alone[name], lent[name], name)
    if cache == "--cache":  # a rebuild reads the general stream's entry (the 4 left out)
        seen.clear()
        again = build(tiny_bert, corpus, tmp_path / "lent", 4, cache)
        assert seen == []
        for name in GENERAL_FILES:
            assert_close(lent[name], again[name], name)


def test_masked_lm_objective_lends_nothing(tiny_model_dir, corpus, tmp_path, monkeypatch):
    """The masked-LM objective corrupts its input: the general stream runs every segment."""
    model = tiny_model_dir("bert", masked_lm=True)
    seen = counting_run_batch(monkeypatch)
    docs = build(model, corpus, tmp_path / "out", 4, "--no-cache")
    gradients = json.loads((tmp_path / "out" / "results" / "gradients.json").read_text())
    assert gradients["objective"]["name"] == "masked_lm"
    assert sorted(seen) == list(range(docs["general"]["corpus"]["segments"]))


def test_a_decoders_gradient_sample_lends_its_batches(tiny_decoder_dir, corpus, tmp_path,
                                                      monkeypatch):
    """The next-token objective leaves the input as it is: the general stream skips the sample,
    and its results (general, heads, examples) are those of a build that runs every segment."""
    model = tiny_decoder_dir("qwen2")
    alone = build(model, corpus, tmp_path / "alone", 0, "--no-cache")
    seen = counting_run_batch(monkeypatch)
    lent = build(model, corpus, tmp_path / "lent", 4, "--no-cache")
    gradients = json.loads((tmp_path / "lent" / "results" / "gradients.json").read_text())
    assert gradients["objective"]["name"] == "next_token"
    total = alone["general"]["corpus"]["segments"]
    assert total > 4 and len(seen) == len(set(seen)) == total - 4
    for name in GENERAL_FILES:
        assert_close(alone[name], lent[name], name)
