"""A 32 x 32-head model's site (a 7B decoder has 1024 heads; issue 22 item 4): a tiny random
BERT with 32 layers of 32 heads (hidden size 32), every results file a build can write, and the
site's limits: no page (HTML plus its chart specs) over 1 MB, a search index under 5 MB, one
navigation entry per layer whose page links its heads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.cli.main import main
from generator.render.site_stats import PAGE_LIMIT, SEARCH_INDEX_LIMIT, site_stats
from tests.helpers import SAMPLE_TEXT, make_tiny_model
from tests.integration.analyses.test_coref_build import CONLLU

pytestmark = pytest.mark.slow

TREEBANK = Path(__file__).resolve().parents[2] / "fixtures" / "syntax_small.conllu"
LAYERS = HEADS = 32


def test_a_1024_head_site_stays_within_its_limits(tmp_path: Path) -> None:
    model = make_tiny_model(tmp_path / "wide", "bert", layers=LAYERS, heads=HEADS)
    corpus, coref = tmp_path / "corpus.txt", tmp_path / "coref.conllu"
    corpus.write_text(SAMPLE_TEXT * 3)
    coref.write_text(CONLLU)
    out = tmp_path / "out"
    assert main(["build", "--model", str(model), "--text", str(corpus), "--coref", str(coref),
                 "--treebank", str(TREEBANK), "--probe-train", str(TREEBANK), "--probe-eval",
                 str(TREEBANK), "--max-len", "24", "--max-segments", "8", "--batch-size", "8",
                 "--gradient-segments", "2", "--out", str(out), "--no-cache",
                 "--no-offline-site"]) == 0
    results = {p.stem for p in (out / "results").glob("*.json")}
    assert {"general", "examples", "heads", "syntax", "coref", "gradients", "probes"} <= results
    nav = yaml.safe_load((out / "mkdocs-site.yml").read_text())["nav"]
    stats = site_stats(out / "site", nav)
    print(stats)  # for docs/performance.md (pytest -s)
    assert stats.pages > LAYERS * HEADS + LAYERS
    assert stats.largest_page_bytes <= PAGE_LIMIT, stats
    assert stats.search_index_bytes <= SEARCH_INDEX_LIMIT, stats
    assert stats.within_limits() == []
    # one entry per layer, the layer's page; no section lists more than the 32 layers
    layers = next(item["Layers and heads"] for item in nav
                  if isinstance(item, dict) and "Layers and heads" in item)
    assert [list(item.items()) for item in layers] == [
        [(f"Layer {layer}", f"layers/L{layer}.md")] for layer in range(LAYERS)]
    assert stats.nav_longest_section == LAYERS
    for layer in (0, 17, 31):  # every head is a link away from its layer's page
        page = (out / "site" / "layers" / f"L{layer}.html").read_text()
        assert all(f'href="../heads/L{layer}-H{head}.html"' in page for head in range(HEADS))
