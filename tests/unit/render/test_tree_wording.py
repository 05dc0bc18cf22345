"""The site says "gold" for syntax only when syntax.json was scored against gold trees.

Without --treebank the trees come from a parser: no sentence, label, tooltip, table header or
chart title may then call its heads, arcs or edges gold. Coreference mentions are always the
corpus's gold annotation, so the coreference page and its charts are the one place where "gold"
stays.
"""

from __future__ import annotations

import copy
from pathlib import Path

from generator.render.pages import render_pages
from generator.render.site_data import SiteData

COREF_FILES = {"analyses/coref.md", "assets/headatlas/charts/analyses/coref.js"}


def _site(fixture_data: SiteData, root: Path, trees: str) -> dict[str, str]:
    """Every rendered page (*.md) and chart spec script (*.js) with syntax.json's ``trees``."""
    doc = copy.deepcopy(fixture_data.get("syntax"))
    doc["trees"] = trees
    render_pages(SiteData({**fixture_data.documents, "syntax": doc}, 2, 3), root)
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.suffix in (".md", ".js")}


def test_parser_trees_are_never_called_gold(fixture_data: SiteData, tmp_path: Path) -> None:
    site = _site(fixture_data, tmp_path, "parser (spaCy en_core_web_sm)")
    assert len(site) > 20  # pages and chart scripts of the whole site
    golds = {name: [line for line in text.splitlines() if "gold" in line.lower()]
             for name, text in site.items() if name not in COREF_FILES}
    assert {name: lines for name, lines in golds.items() if lines} == {}
    assert "finds the parser head of nsubj dependents" in site["index.md"]
    assert "of parser edges, ignoring direction" in site["index.md"]
    assert "(parser trees)" in site["index.md"]
    assert "whose parser head word a head picks out" in site["analyses/syntax.md"]
    assert "1 of 1 parser arcs found" in site["heads/L0-H2.md"]
    figure5 = site["assets/headatlas/charts/heads/L0-H2.js"]
    assert '"title":"parser head"' in figure5 and '"title":"parser arc"' in figure5
    # coreference stays gold annotation whatever the trees
    assert "gold coreference annotation" in site["analyses/coref.md"]


def test_gold_trees_are_called_gold(fixture_data: SiteData, tmp_path: Path) -> None:
    site = _site(fixture_data, tmp_path, "gold")
    assert "finds the gold head of nsubj dependents" in site["index.md"]
    assert "(gold trees)" in site["index.md"]
    assert '!!! info "Trees: gold"' in site["analyses/syntax.md"]
    assert "whose gold head word a head picks out" in site["analyses/syntax.md"]
    assert "of gold edges" in site["heads/L0-H1.md"]
    assert "1 of 1 gold arcs found" in site["heads/L0-H2.md"]
    figure5 = site["assets/headatlas/charts/heads/L0-H2.js"]
    assert '"title":"gold head"' in figure5 and '"title":"gold arc"' in figure5
    assert "parser" not in site["analyses/syntax.md"].lower()
