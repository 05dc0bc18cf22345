"""Head distances of the real default model on real, unseen text (UD EWT dev), against scipy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from generator.analyses.base import AnalysisContext
from generator.analyses.distances import HeadDistances
from generator.analyses.headmap import cluster_heads
from generator.config import BuildConfig
from generator.encoding.segments import build_segments
from generator.model.extraction import extract
from generator.model.loading import load_model
from tests.reference import scipy_distances

EWT = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora" / "ud-english-ewt" / \
    "en_ewt-ud-dev.conllu"

pytestmark = pytest.mark.slow


def ewt_documents(path: Path, limit: int) -> list[list[str]]:
    """The ``# text =`` sentences of the first ``limit`` documents of a CoNLL-U file."""
    documents: list[list[str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# newdoc"):
            if len(documents) == limit:
                break
            documents.append([])
        elif line.startswith("# text =") and documents:
            documents[-1].append(line.split("=", 1)[1].strip())
    return documents



def test_default_model_distances_match_scipy_on_unseen_text():
    if not EWT.exists():
        pytest.skip(f"UD English EWT dev not found at {EWT} (shared corpora absent)")
    lm = load_model("default")
    segments, _ = build_segments(ewt_documents(EWT, 40), lm.tokenizer, lm.template, seed=11,
                                 max_len=128, max_segments=4, zero_types=False)
    assert len(segments) == 4
    batches = list(extract(lm, segments, batch_size=4))
    config = BuildConfig(distance_rows=100_000)
    acc = HeadDistances(AnalysisContext(lm.num_layers, lm.num_heads, config, segments))
    for batch in batches:
        acc.update(batch)
    k = lm.num_layers * lm.num_heads
    got = np.asarray(acc.sum_js / acc.rows)
    ref = scipy_distances(batches, k)
    off = ~np.eye(k, dtype=bool)
    assert np.max(np.abs(got - ref)[off] / ref[off]) < 1e-3
    # The paper's finding holds for this model too: heads of one layer lie closer together.
    layer = np.repeat(np.arange(lm.num_layers), lm.num_heads)
    same = (layer[:, None] == layer[None, :]) & off
    assert got[same].mean() < got[layer[:, None] != layer[None, :]].mean()
    clusters, scores = cluster_heads(got)
    assert 2 <= clusters.max() + 1 <= 12 and scores
