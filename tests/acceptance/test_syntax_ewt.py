"""Table 1 on a real treebank with the default model, checked against an independent computation.

The reference (tests/syntax_reference.py) runs the model through transformers directly and
scores every head with its own loops; every reported relation's best-head accuracy must agree
within 0.5 points.
"""

import json
import time
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.corpus.conllu import read_conllu
from generator.model.loading import default_model_path
from tests.helpers import SAMPLE_TEXT
from tests.syntax_reference import reference_scores

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
EWT_DEV = CORPORA / "ud-english-ewt" / "en_ewt-ud-dev.conllu"

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not EWT_DEV.exists(), reason=f"UD EWT dev not found at {EWT_DEV}")
def test_best_heads_agree_with_independent_computation(tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text(SAMPLE_TEXT, encoding="utf-8")
    start = time.perf_counter()
    code = main(["build", "--treebank", str(EWT_DEV), "--text", str(text), "--out",
                 str(tmp_path), "--no-site", "--no-cache",
                 "--keep-short-segments"])  # SAMPLE_TEXT has no full 128-piece segment
    build_seconds = time.perf_counter() - start
    assert code == 0
    doc = json.loads((tmp_path / "results" / "syntax.json").read_text())

    sentences = read_conllu(EWT_DEV)
    start = time.perf_counter()
    counts, correct, kept, skipped = reference_scores(default_model_path(), sentences, 128)
    reference_seconds = time.perf_counter() - start
    assert doc["sentences"] == kept and doc["skipped"] == skipped
    assert doc["sentences"] + doc["skipped"] == len(sentences) == 2001

    print(f"\nTable 1 on UD EWT dev, default model ({doc['sentences']} sentences, "
          f"{doc['skipped']} skipped; build {build_seconds:.0f} s, reference "
          f"{reference_seconds:.0f} s). Heads are layer-head, 0-based.")
    print(f"{'relation':<16}{'count':>7}  {'best head':<20}{'accuracy':>9}  {'95% CI':<15}"
          f"{'baseline':>9}  reference")
    relations = doc["relations"]
    assert len(relations) > 10
    for rel, res in sorted(relations.items(), key=lambda kv: -kv[1]["count"]):
        best, base = res["best"], res["baseline"]
        ours = best["accuracy"]
        theirs = correct[rel].max() / counts[rel]
        assert res["count"] == counts[rel], rel
        head = f"{best['layer']}-{best['head']} {best['direction']}"
        ci = f"[{best['ci'][0] * 100:.1f}, {best['ci'][1] * 100:.1f}]"
        print(f"{rel:<16}{res['count']:>7}  {head:<20}{ours * 100:>8.1f}%  {ci:<15}"
              f"{base['accuracy'] * 100:>8.1f}% (offset {base['offset']:+d})  {theirs * 100:.1f}%")
        assert abs(ours - theirs) <= 0.005, f"{rel}: {ours:.4f} vs reference {theirs:.4f}"
    mst = doc["mst"]["best"]
    print(f"best spanning-tree UUAS: {mst['uuas'] * 100:.1f}% (head {mst['layer']}-{mst['head']} "
          f"{mst['direction']}, {doc['mst']['sentences']} sentences)")
