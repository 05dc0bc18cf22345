"""Head distances and the head map on a tiny random model, checked by an independent computation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from generator.analyses.base import AnalysisContext
from generator.analyses.distances import HeadDistances
from generator.config import BuildConfig
from generator.corpus.text import read_text_file
from generator.encoding.segments import build_segments
from generator.model.extraction import extract
from generator.model.loading import load_model
from generator.pipeline import build_results
from generator.timings import Timings
from tests.helpers import SAMPLE_TEXT
from tests.reference import scipy_distances


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("text") / "sample.txt"
    path.write_text(SAMPLE_TEXT * 3, encoding="utf-8")
    return path


def test_distances_agree_with_scipy_on_unseen_segments(tiny_bert, corpus_file):
    lm = load_model(str(tiny_bert))
    docs = read_text_file(corpus_file)
    segments, _ = build_segments(docs, lm.tokenizer, lm.template, seed=3, max_len=32,
                                 max_segments=12, zero_types=False)
    assert len(segments) >= 4
    batches = list(extract(lm, segments, batch_size=3))
    config = BuildConfig(model=str(tiny_bert), distance_rows="all")
    acc = HeadDistances(AnalysisContext(lm.num_layers, lm.num_heads, config, segments))
    for batch in batches:
        acc.update(batch)
    k = lm.num_layers * lm.num_heads
    got = np.asarray(acc.sum_js / acc.rows)
    ref = scipy_distances(batches, k)
    off = ~np.eye(k, dtype=bool)
    assert ref[off].min() > 0
    assert np.max(np.abs(got - ref)[off] / ref[off]) < 1e-3
    out = acc.result()
    assert out["segments_used"] == len(segments)
    assert out["rows_used"] == out["rows_total"] == sum(len(s) for s in segments)
    assert out["sampling"]["every_row"] and out["sampling"]["relative_error"]["max"] == 0.0


def test_build_writes_heads_json(tiny_bert, corpus_file, tmp_path):
    config = BuildConfig(model=str(tiny_bert), text=corpus_file, out=tmp_path, max_len=32,
                         max_segments=10, distance_rows=40, cache=False, site=False)
    written = build_results(config, Timings())
    heads = json.loads(written["heads"].read_text())
    k = 2 * 4
    assert heads["schema"] == 1
    assert len(heads["distance"]) == k and all(len(row) == k for row in heads["distance"])
    assert heads["heads"][5] == [1, 1]
    assert len(heads["mds"]) == k and len(heads["cluster"]) == k and len(heads["labels"]) == k
    assert len(heads["nearest"][0]) == 5 and 0 not in heads["nearest"][0]
    assert heads["rows_used"] == 40 and heads["segments_total"] == heads["corpus"]["segments"]
    sampling = heads["sampling"]
    assert sampling["half_rows"] == [20, 20] and not sampling["every_row"]
    error = sampling["relative_error"]
    assert 0 < error["median"] <= error["p95"] <= error["max"]
    assert 0 <= sampling["halves"]["nearest_changed"] <= k
    assert all(label[-1] in {"vertical", "diagonal", "vertical+diagonal", "block",
                             "heterogeneous"} for label in heads["labels"])
    first = written["heads"].read_bytes()
    again = build_results(config, Timings())
    assert again["heads"].read_bytes() == first
