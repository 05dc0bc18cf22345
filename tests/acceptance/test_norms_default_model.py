"""Issue 19's acceptance: the default model's [CLS] and [SEP] shares per layer, raw and weighted
by the norm of what each attended vector moves (Kobayashi et al. 2020).

Kobayashi et al. found that BERT's heavy attention to [CLS] and [SEP] moves little: those
vectors are small, so their norm-based share is far below their weight. The default model
(MiniLM-L6) puts ~0.35 of its attention on [CLS] in layers 1-4 (its [SEP] share is small);
weighted by norms that share must shrink several times over.
"""

from __future__ import annotations

import json

import pytest

from generator.cli.main import main

pytestmark = pytest.mark.slow


def test_special_token_shares_shrink_under_the_norms(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", "--out", str(out), "--max-segments", "100", "--no-site", "--no-cache",
                 "--gradient-segments", "0", "--syntax-sentences", "10",
                 "--mst-sentences", "10"]) == 0
    general = json.loads((out / "results" / "general.json").read_text())
    norms = json.loads((out / "results" / "norms.json").read_text())
    raw, weighted = general["layer_means"], norms["layer_means"]
    rows = []
    for layer in range(len(raw["cls"])):
        cls, sep = raw["cls"][layer], raw["sep"][layer]
        norm_cls, norm_sep = weighted["norm_cls"][layer], weighted["norm_sep"][layer]
        rows.append(f"L{layer}: [CLS] {cls:.3f}->{norm_cls:.3f} [SEP] {sep:.3f}->{norm_sep:.3f}")
        if layer >= 1:
            # the [CLS]+[SEP] share shrinks in every layer past the first
            assert norm_cls + norm_sep < 0.5 * (cls + sep), rows[-1]
        if 1 <= layer <= 4:
            assert cls > 0.25, rows[-1]  # the heavy raw attention to [CLS] ...
            assert norm_cls < cls / 3, rows[-1]  # ... moves little
    with capsys.disabled():
        print("\n[norms, default model, 100 segments] " + " ".join(rows))
