"""The default model on GUM dev: coreference per head vs. an independent computation.

Prints Table 2 (best head and the three baselines, by type) and the runtime.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoModel, AutoTokenizer

from generator.cli.main import main
from generator.model.loading import default_model_path
from tests.coref_reference import evaluate

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
GUM_DEV = CORPORA / "ud-english-gum" / "en_gum-ud-dev.conllu"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not GUM_DEV.exists(), reason="shared corpora not present")]


DOCUMENTS = 8
"""The first documents of GUM dev only, to keep the test's two forward passes short."""


def first_documents(source: Path, target: Path, count: int) -> Path:
    """Copy the first ``count`` documents of a CoNLL-U file (to a temporary folder)."""
    out, seen = [], 0
    for line in source.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("# newdoc"):
            seen += 1
        if seen > count:
            break
        out.append(line)
    target.write_text("".join(out), encoding="utf-8")
    return target


def test_best_head_and_baselines_within_one_point(tmp_path, capsys):
    gum = first_documents(GUM_DEV, tmp_path / "gum-part.conllu", DOCUMENTS)
    tiny = tmp_path / "tiny.json"
    tiny.write_text(json.dumps([{"text": "A tiny general segment."}]))  # keeps the general
    start = time.perf_counter()                                          # stream short
    assert main(["build", "--coref", str(gum), "--segments", str(tiny), "--out",
                 str(tmp_path / "out"), "--no-site", "--no-cache"]) == 0
    built = time.perf_counter() - start
    coref = json.loads((tmp_path / "out" / "results" / "coref.json").read_text())

    start = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(default_model_path())
    model = AutoModel.from_pretrained(default_model_path(), attn_implementation="eager").eval()
    ref = evaluate(gum, model, tok, max_len=128)
    reference_s = time.perf_counter() - start

    assert coref["mentions"] == ref["scored"]
    assert coref["mentions_by_type"] == ref["counts"]
    ours = np.array(coref["accuracy"]["all"])
    layer, head = np.unravel_index(ref["accuracy"].argmax(), ref["accuracy"].shape)
    best = coref["best"]
    assert abs(best["accuracy"] - ref["accuracy"].max()) <= 0.01
    assert abs(ours - ref["accuracy"]).max() <= 0.01
    for t in ("pronoun", "proper", "nominal"):
        assert abs(best["by_type"][t]["accuracy"]
                   - ref["by_type"][t][best["layer"], best["head"]]) <= 0.01
    for name, value in ref["baselines"].items():
        assert abs(coref["baselines"][name]["accuracy"] - value) <= 0.01, name
        for t, v in ref["baselines_by_type"][name].items():
            assert abs(coref["baselines"][name]["by_type"][t]["accuracy"] - v) <= 0.01, (name, t)
    lo, hi = best["ci"]
    assert lo <= best["accuracy"] <= hi

    with capsys.disabled():
        print(f"\nTable 2 on GUM dev, first {DOCUMENTS} documents ({coref['mentions']} "
              f"mentions, {coref['windows']} windows), "
              f"default model; best head {best['layer']}-{best['head']} (0-based), reference "
              f"best {layer}-{head}")
        print(f"{'':14}{'all':>16}{'pronoun':>9}{'proper':>9}{'nominal':>9}")
        rows = {"best head": best, **coref["baselines"]}
        for name, r in rows.items():
            ci = f"[{r['ci'][0]:.2f},{r['ci'][1]:.2f}]"
            by = "".join(f"{100 * r['by_type'][t]['accuracy']:9.1f}"
                         for t in ("pronoun", "proper", "nominal"))
            print(f"{name:14}{100 * r['accuracy']:5.1f} {ci:>10}{by}")
        print(f"build {built:.1f} s, reference computation {reference_s:.1f} s")
