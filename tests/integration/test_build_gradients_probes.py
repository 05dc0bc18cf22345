"""A whole build with gradients and probes on a tiny masked-LM model: files, schema, determinism."""

import json

import pytest

from generator.cli.main import main
from tests.helpers import SAMPLE_TEXT
from tests.integration.probes.test_probe_step import write_treebank


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    text = folder / "text.txt"
    text.write_text(SAMPLE_TEXT * 3, encoding="utf-8")
    write_treebank(folder / "train.conllu", 20, seed=4)
    write_treebank(folder / "eval.conllu", 10, seed=5)
    return folder


def build(model, inputs, out, *extra):
    argv = ["build", "--model", str(model), "--text", str(inputs / "text.txt"),
            "--out", str(out), "--max-len", "32", "--no-cache", "--no-site",
            "--probe-train", str(inputs / "train.conllu"),
            "--probe-eval", str(inputs / "eval.conllu"), *extra]
    assert main(argv) == 0
    return out / "results"


def test_build_writes_deterministic_gradients_and_probes(tiny_model_dir, inputs, tmp_path):
    model = tiny_model_dir("bert", masked_lm=True)
    first = build(model, inputs, tmp_path / "a", "--gradient-segments", "4")
    second = build(model, inputs, tmp_path / "b", "--gradient-segments", "4")
    for name in ("gradients.json", "probes.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    grads = json.loads((first / "gradients.json").read_text())
    assert grads["objective"]["name"] == "masked_lm"
    assert grads["corpus"]["segments"] == 4
    assert grads["model"]["num_layers"] == 2
    for group in ("sep", "punct", "other", "cls"):
        per_head = grads["per_head"][group]
        assert len(per_head) == 2 and all(len(row) == 4 for row in per_head)
        assert grads["per_layer"][group] == pytest.approx([sum(r) / 4 for r in per_head],
                                                          rel=1e-5)
    assert grads["per_head"]["sep"][0][0] > 0
    probes = json.loads((first / "probes.json").read_text())
    assert probes["train"]["sentences"] == 20 and probes["eval"]["sentences"] == 10
    manifest = json.loads((first / "manifest.json").read_text())
    assert {"gradients", "probes"} <= set(manifest["results"])
    assert "train.conllu" in manifest["inputs"]  # its name: no --record-paths


def test_gradients_off(tiny_bert, inputs, tmp_path):
    out = build(tiny_bert, inputs, tmp_path / "c", "--gradient-segments", "0")
    assert not (out / "gradients.json").exists()
    assert (out / "general.json").exists()


def test_negative_gradient_segments_is_a_user_error(tiny_bert, inputs, tmp_path, capsys):
    argv = ["build", "--model", str(tiny_bert), "--out", str(tmp_path),
            "--gradient-segments", "-1"]
    assert main(argv) == 2
    assert "--gradient-segments must be at least 0" in capsys.readouterr().err


def test_a_decoder_probe_scores_root_from_bos_and_its_page_says_so(tiny_decoder_dir, inputs,
                                                                   tmp_path):
    """A decoder has no [CLS] or [SEP]: the ROOT candidate's feature is the attention to BOS
    (issue 18), so the learned weight of that channel moves from its start (1.0) while the
    [SEP] channel, whose feature is zero, keeps it; the page speaks of BOS only."""
    out = tmp_path / "out"
    assert main(["build", "--model", str(tiny_decoder_dir("llama")), "--text",
                 str(inputs / "text.txt"), "--out", str(out), "--max-len", "32",
                 "--max-segments", "4", "--gradient-segments", "2", "--sink-sample", "2",
                 "--no-cache", "--no-offline-site",
                 "--probe-train", str(inputs / "train.conllu"),
                 "--probe-eval", str(inputs / "eval.conllu")]) == 0
    probes = json.loads((out / "results" / "probes.json").read_text())
    assert probes["attn_weights"]["root_cls"] != 1.0
    assert probes["attn_weights"]["root_sep"] == 1.0
    page = (out / "site" / "analyses" / "probes.html").read_text(encoding="utf-8")
    assert "attention to BOS" in page
    assert "[CLS]" not in page and "[SEP]" not in page
