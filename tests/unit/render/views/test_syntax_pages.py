"""The syntax pages say what the fixture's numbers say, and show corpus text as text."""

from __future__ import annotations

import copy
from pathlib import Path

from generator.render.pages import render_pages
from generator.render.site_data import SiteData


def test_table1_page(fixture_data: SiteData, tmp_path: Path) -> None:
    render_pages(fixture_data, tmp_path)
    page = (tmp_path / "analyses" / "syntax.md").read_text(encoding="utf-8")
    assert '!!! info "Trees: gold"' in page
    assert "&#60;i&#62;tiny&#60;/i&#62;" in page and "<i>tiny" not in page
    assert "| Sentences | 2 scored of 3 read; 1 skipped" in page
    rows = [line for line in page.splitlines() if line.startswith("| ") and "../heads/" in line]
    assert [row.split(" | ")[0] for row in rows] == ["| **all**", "| det", "| nsubj"]
    assert rows[2].startswith("| nsubj | 3 | [L0-H2](../heads/L0-H2.md) (1-3) | head2dep | "
                              "66.7% [33.3%, 100.0%] | -1 | 33.3% | +33.3 | 58.5 vs 45.5 |")
    assert "&#42;ccomp&#42; (2), iobj (1)" in page  # rare relations, escaped
    assert "with a UUAS of 62.5%" in page


def test_parser_trees_are_named_as_such(fixture_data: SiteData, tmp_path: Path) -> None:
    doc = copy.deepcopy(fixture_data.get("syntax"))
    doc["trees"] = "parser (spaCy en_core_web_sm)"
    render_pages(SiteData({**fixture_data.documents, "syntax": doc}, 2, 3), tmp_path)
    page = (tmp_path / "analyses" / "syntax.md").read_text(encoding="utf-8")
    assert '!!! info "Trees: parser output"' in page
    assert ("**Parser trees**, not annotated by hand: parser &#40;spaCy "
            "en&#95;core&#95;web&#95;sm&#41;") in page
    head = (tmp_path / "heads" / "L0-H1.md").read_text(encoding="utf-8")
    assert "parser trees, not annotated by hand" in head


def test_head_sections(fixture_data: SiteData, tmp_path: Path) -> None:
    render_pages(fixture_data, tmp_path)
    l0h2 = (tmp_path / "heads" / "L0-H2.md").read_text(encoding="utf-8")
    assert ("| **all** | 10 | 46.0% | 20.0% | 46.0% | [L0-H1](L0-H1.md) 50.0% | +1: 40.0% "
            "| +6.0 |") in l0h2
    assert "| nsubj | 3 | 66.7% (best) | 0.0% | 66.7% | this head | -1: 33.3% | +33.3 |" in l0h2
    assert "rank\n2 of 6 heads" in l0h2
    assert "Example 1: **nsubj**, head2dep, sentence 0 (s&#60;1&#62;): 1 of 1 gold arcs" in l0h2
    assert '<div class="ha-chart" id="ha-syntax-figure5-0"></div>' in l0h2
    l1h0 = (tmp_path / "heads" / "L1-H0.md").read_text(encoding="utf-8")
    assert "L1-H0 is not within 5 points of the best head at any reported relation." in l1h0
    assert "figure5" not in l1h0
    layer1 = (tmp_path / "layers" / "L1.md").read_text(encoding="utf-8")
    assert "No relation has its best head in layer 1" in layer1


def test_only_all_no_interval_no_examples(fixture_data: SiteData, tmp_path: Path) -> None:
    doc = copy.deepcopy(fixture_data.get("syntax"))
    doc["relations"] = {"all": doc["relations"]["all"]}
    doc["relations"]["all"]["best"]["ci"] = None
    doc["examples"], doc["rare_relations"] = [], {}
    render_pages(SiteData({**fixture_data.documents, "syntax": doc}, 2, 3), tmp_path)
    page = (tmp_path / "analyses" / "syntax.md").read_text(encoding="utf-8")
    assert "| dep2head | 50.0% (no interval) | +1 |" in page
    assert "| Relations | 0 relations with at least 3 dependents" in page
    assert "count only" not in page
    assert "figure5" not in (tmp_path / "heads" / "L0-H1.md").read_text(encoding="utf-8")
