"""Norm-based attention end to end on a tiny BERT: norms.json against a plain recomputation
from the model's weights, the other results unchanged by ``--norms``, the cache reused."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from transformers import AutoModel, AutoTokenizer

from generator.cli.main import main
from tests.helpers import SAMPLE_TEXT


@pytest.fixture()
def corpus(tmp_path):
    f = tmp_path / "corpus.txt"
    f.write_text(SAMPLE_TEXT * 3)
    return f


def build(model_dir, corpus, out, *extra) -> dict[str, bytes]:
    assert main(["build", "--model", str(model_dir), "--text", str(corpus), "--out", str(out),
                 "--max-len", "24", "--batch-size", "3", "--no-site", "--gradient-segments", "0",
                 *extra]) == 0
    return {p.stem: p.read_bytes() for p in (out / "results").glob("*.json")}


def plain_norm_shares(model, ids: list[int], types: list[int], roles: list[str]
                      ) -> dict[str, np.ndarray]:
    """norm_cls, norm_sep, norm_self and norm_prev of one segment, from the model's weights:
    f(x_j) = (x_j W_V + b_V) W_O^h with x_j the layer's input, by loops over heads and rows."""
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), token_type_ids=torch.tensor([types]),
                    output_attentions=True, output_hidden_states=True)
    layers, heads = model.config.num_hidden_layers, model.config.num_attention_heads
    n = len(ids)
    stats = {k: np.zeros((layers, heads)) for k in ("cls", "sep", "self", "prev")}
    for layer in range(layers):
        block = model.encoder.layer[layer].attention
        x = out.hidden_states[layer][0].double()  # [n, D]: the layer's input
        value = block.self.value
        v = x @ value.weight.detach().double().T + value.bias.detach().double()
        d = v.shape[1] // heads
        w_o = block.output.dense.weight.detach().double()  # [D, H*d]
        for h in range(heads):
            f = v[:, h * d:(h + 1) * d] @ w_o[:, h * d:(h + 1) * d].T  # [n, D]
            norms = f.norm(dim=-1).numpy()
            a = out.attentions[layer][0, h].double().numpy()
            for i in range(n):
                row = a[i] * norms
                row = row / row.sum()
                stats["self"][layer, h] += row[i] / n
                stats["prev"][layer, h] += (row[i - 1] if i > 0 else 0.0) / n
                for j in range(n):
                    if roles[j] == "cls":
                        stats["cls"][layer, h] += row[j] / n
                    if roles[j] == "sep":
                        stats["sep"][layer, h] += row[j] / n
    return stats


def test_norms_json_matches_a_plain_recomputation(tiny_bert, tmp_path):
    tok = AutoTokenizer.from_pretrained(tiny_bert)
    texts = [("the cat saw the dog .", "she said , the king was old ."),
             ("john went to london .", "it was big , and new ."),
             ("a man .", "the woman saw one car , two cars and three trees in the city .")]
    segments, expected = [], None
    model = AutoModel.from_pretrained(tiny_bert, attn_implementation="eager").eval()
    for a, b in texts:
        tokens = ["[CLS]", *tok.tokenize(a), "[SEP]", *tok.tokenize(b), "[SEP]"]
        segments.append({"tokens": tokens})
        first_sep = tokens.index("[SEP]")
        types = [0] * (first_sep + 1) + [1] * (len(tokens) - first_sep - 1)
        roles = ["cls" if t == "[CLS]" else "sep" if t == "[SEP]" else "" for t in tokens]
        one = plain_norm_shares(model, tok.convert_tokens_to_ids(tokens), types, roles)
        expected = one if expected is None else {k: expected[k] + one[k] for k in one}
    f = tmp_path / "segments.json"
    f.write_text(json.dumps(segments))
    out = tmp_path / "out"
    assert main(["build", "--model", str(tiny_bert), "--segments", str(f), "--out", str(out),
                 "--batch-size", "2", "--no-site", "--no-cache"]) == 0
    norms = json.loads((out / "results" / "norms.json").read_text())
    assert norms["segments"] == 3
    for name, values in expected.items():
        np.testing.assert_allclose(np.array(norms["metrics"][f"norm_{name}"]), values / 3,
                                   atol=2e-6, err_msg=name)
    # the raw [CLS] share differs: the norms matter on this model
    general = json.loads((out / "results" / "general.json").read_text())
    assert not np.allclose(general["metrics"]["cls"], norms["metrics"]["norm_cls"], atol=1e-3)


def test_norms_change_no_other_results_and_are_cached(tiny_bert, corpus, tmp_path,
                                                      monkeypatch):
    with_norms = build(tiny_bert, corpus, tmp_path / "on")
    without = build(tiny_bert, corpus, tmp_path / "off", "--no-norms", "--no-cache")
    assert "norms" in with_norms and "norms" not in without
    for name in without:
        if name != "manifest":
            assert with_norms[name] == without[name], name  # byte for byte
    manifests = [json.loads(docs["manifest"]) for docs in (with_norms, without)]
    assert (manifests[0]["settings"]["norms"], manifests[1]["settings"]["norms"]) == (True, False)

    def no_model(*args, **kwargs):
        raise AssertionError("the model ran although the cache was complete")

    monkeypatch.setattr("generator.model.extraction.run_batch", no_model)
    again = build(tiny_bert, corpus, tmp_path / "on")
    assert again == with_norms


def test_a_model_without_capturable_values_builds_without_norms(tiny_model_dir, corpus,
                                                                 tmp_path, capsys):
    """DistilBERT's attention does not go through transformers' attention interface: the
    build goes on without norms.json, says so, and its manifest says norms: false."""
    docs = build(tiny_model_dir("distilbert"), corpus, tmp_path / "out", "--no-cache")
    assert "norms" not in docs and "general" in docs
    assert json.loads(docs["manifest"])["settings"]["norms"] is False
    assert "norm-based attention left out" in capsys.readouterr().err
