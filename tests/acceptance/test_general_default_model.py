"""The default model on segments it has never seen: every metric vs. an independent computation.

Segments are pairs of consecutive sentences from UD English EWT dev (not the Wikipedia sample the
default build uses), written in the authors' JSON format with [CLS]/[SEP] included.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoModel, AutoTokenizer

from generator.cli.main import main
from generator.corpus.conllu import read_conllu
from generator.model.loading import default_model_path
from tests.reference import corpus_statistics

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
EWT_DEV = CORPORA / "ud-english-ewt" / "en_ewt-ud-dev.conllu"
METRICS = ("self", "next", "prev", "cls", "sep", "punct", "sep_sep", "rest_sep", "entropy",
           "cls_entropy")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not EWT_DEV.exists(), reason="shared corpora not present")]


def test_every_metric_within_1e4(tmp_path, capsys):
    tok = AutoTokenizer.from_pretrained(default_model_path())
    sentences = [" ".join(s.forms) for s in read_conllu(EWT_DEV)[200:260]]
    segments, pairs = [], []
    for a, b in zip(sentences[0::2], sentences[1::2], strict=False):
        ta, tb = tok.tokenize(a)[:60], tok.tokenize(b)[:60]
        tokens = ["[CLS]", *ta, "[SEP]", *tb, "[SEP]"]
        segments.append({"tokens": tokens})
        ids = tok.convert_tokens_to_ids(tokens)
        pairs.append((ids, [0] * (len(ta) + 2) + [1] * (len(tb) + 1)))
    f = tmp_path / "unseen.json"
    f.write_text(json.dumps(segments))
    start = time.perf_counter()
    assert main(["build", "--segments", str(f), "--out", str(tmp_path / "out"), "--no-site",
                 "--batch-size", "8"]) == 0
    built = time.perf_counter() - start
    general = json.loads((tmp_path / "out" / "results" / "general.json").read_text())
    assert general["corpus"]["segments"] == len(segments) == 30
    model = AutoModel.from_pretrained(default_model_path(), attn_implementation="eager").eval()
    expected = corpus_statistics(model, tok, pairs)
    worst = 0.0
    for name in METRICS:
        got = np.array(general["metrics"][name])
        assert got.shape == (6, 12)
        np.testing.assert_allclose(got, expected[name], atol=1e-4, rtol=0, err_msg=name)
        worst = max(worst, float(np.abs(got - expected[name]).max()))
    with capsys.disabled():
        print(f"\n[general, default model, {len(segments)} unseen segments] build {built:.1f} s, "
              f"largest difference from the independent computation {worst:.2e}")
