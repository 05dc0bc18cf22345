"""Syntax chart specs carry the right values, and corpus text only ever as data."""

from __future__ import annotations

import json

from generator.render import syntax_charts as SC
from generator.render import syntax_view as S
from generator.render.site_data import SiteData
from tests.unit.render.test_charts import _expressions


def test_accuracy_heatmap_rows_and_relations(fixture_data: SiteData) -> None:
    doc = fixture_data.get("syntax")
    spec = SC.accuracy_heatmap(doc, "analyses/syntax.md")
    rows = spec["datasets"]["acc"]
    assert len(rows) == 3 * 2 * 3  # relations x layers x heads
    l0h2 = [r for r in rows if r["r"] == "all" and (r["l"], r["h"]) == (0, 2)]
    assert l0h2 == [{"r": "all", "l": 0, "h": 2, "d": 0.2, "g": 0.46}]
    det = {(r["l"], r["h"]): r["d"] for r in rows if r["r"] == "det"}
    assert det == {(0, 0): 0.25, (0, 1): 1.0, (0, 2): 0.0, (1, 0): 0.75, (1, 1): 0.25,
                   (1, 2): 0.5}
    info = {i["r"]: i for i in spec["datasets"]["rels"]}
    assert info["nsubj"] == {"r": "nsubj", "n": 3, "base": 0.333333, "off": -1}
    params = {p["name"]: p for p in spec["params"]}
    assert params["relation"]["bind"]["options"] == ["all", "det", "nsubj"]
    assert params["relation"]["value"] == "all"
    assert params["direction"]["bind"]["options"] == SC.DIRECTION_CHOICES
    # links from the analysis page to head pages
    assert any("'../heads/L' + datum.l" in e for e in _expressions(spec))
    assert spec["width"] == 54 * 3 and spec["height"] == 26 * 2 + 10


def test_relation_labels_never_enter_an_expression(fixture_data: SiteData) -> None:
    doc = json.loads(json.dumps(fixture_data.get("syntax")))
    doc["relations"]["'); alert(1); ('"] = doc["relations"].pop("det")
    spec = SC.accuracy_heatmap(doc, "analyses/syntax.md")
    assert all("alert" not in e for e in _expressions(spec))
    assert "'); alert(1); ('" in spec["params"][0]["bind"]["options"]


def test_mst_heatmap_takes_the_better_direction(fixture_data: SiteData) -> None:
    cells = SC.mst_heatmap(fixture_data.get("syntax"), "analyses/syntax.md")["datasets"]["cells"]
    by_name = {c["name"]: c for c in cells}
    assert by_name["L0-H2"]["uuas"] == 0.5 and by_name["L0-H2"]["label"] == "50"
    assert by_name["L0-H1"]["uuas"] == 0.625 and by_name["L0-H1"]["url"] == "../heads/L0-H1.html"
    assert len(cells) == 6


def test_figure5_lines_words_and_relation_arcs(fixture_data: SiteData) -> None:
    example = S.head_examples(fixture_data.get("syntax"))[(0, 1)][0]
    spec = SC.figure5(example, S.relation_arcs(example), "Example 1", S.GOLD_TERMS)
    lines = spec["datasets"]["lines"]
    # weights >= 0.02 per row: 2 + 3 + 2 + 3 + 2 + 3 (row 5's 0.01 is dropped)
    assert len(lines) == 15
    assert {"i": 4, "j": 5, "w": 0.8} in lines and {"i": 5, "j": 5, "w": 0.01} not in lines
    assert spec["datasets"]["arcs"] == [{"i": 0, "j": 1, "ok": True, "state": "found"},
                                        {"i": 4, "j": 5, "ok": True, "state": "found"}]
    words = spec["datasets"]["words"]
    assert [w["w"] for w in words][-1] == "</script><b>x</b>"
    assert words[1] == {"k": 1, "w": "*cat*", "rel": "nsubj", "gov": 2}
    assert spec["height"] == SC.ROW_HEIGHT * 6 and spec["title"] == "Example 1"
    text = json.dumps(spec)
    assert all("cat" not in e and "script" not in e for e in _expressions(spec))
    assert text.count("</script>") == 1  # only as a data value
