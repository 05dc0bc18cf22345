"""The view of syntax.json: page helpers and chart specs against tests/fixtures/results/
syntax.json, answers worked out by hand; corpus text only ever as data in the specs."""

from __future__ import annotations

import copy
import json

import pytest

from generator.render.site_data import SiteData
from generator.render.views import syntax as S
from tests.unit.render.specs import expressions


@pytest.fixture
def doc(fixture_data: SiteData) -> dict:
    return fixture_data.get("syntax")


def test_relations_all_first_then_by_count(doc: dict) -> None:
    assert S.relation_order(doc) == ["all", "det", "nsubj"]  # counts 10, 4, 3
    doc = copy.deepcopy(doc)
    doc["relations"]["amod"] = {**doc["relations"]["det"], "count": 4}
    assert S.relation_order(doc) == ["all", "amod", "det", "nsubj"]  # ties by name


def test_head_accuracy_takes_the_better_direction(doc: dict) -> None:
    assert S.head_accuracy(doc, "all", 0, 2) == (0.46, "head2dep")  # 0.2 vs 0.46
    assert S.head_accuracy(doc, "det", 1, 0) == (0.75, "dep2head")  # 0.75 vs 0.5
    assert S.head_accuracy(doc, "det", 0, 0) == (0.25, "dep2head")  # 0.25 vs 0.0
    assert S.head_accuracy(doc, "nsubj", 1, 2) == (0.0, "dep2head")  # tie: dep2head


def test_near_best_keeps_the_best_and_heads_within_five_points(doc: dict) -> None:
    # L0-H1 is the best head for "all" (0.5) and det (1.0); nsubj 0.333 < 0.667 - 0.05
    rows = S.near_best(doc, 0, 1)
    assert [(r["relation"], r["is_best"]) for r in rows] == [("all", True), ("det", True)]
    assert rows[1]["accuracy"] == 1.0 and rows[1]["dep2head"] == 1.0
    assert rows[1]["head2dep"] == 0.25
    # L0-H2: "all" 0.46 >= 0.5 - 0.05 (near-best), nsubj best (0.667), det 0.25 no
    rows = S.near_best(doc, 0, 2)
    assert [(r["relation"], r["is_best"], r["direction"]) for r in rows] == [
        ("all", False, "head2dep"), ("nsubj", True, "head2dep")]
    assert rows[0]["best"]["head"] == 1 and rows[0]["baseline"]["offset"] == 1
    # L1-H0: all 0.4, det 0.75, nsubj 0.333: none within 5 points; a wider margin finds det
    assert S.near_best(doc, 1, 0) == []
    assert [r["relation"] for r in S.near_best(doc, 1, 0, margin=0.3)] == ["all", "det"]


def test_best_in_layer(doc: dict) -> None:
    assert [r for r, _ in S.best_in_layer(doc, 0)] == ["all", "det", "nsubj"]
    assert S.best_in_layer(doc, 1) == []


def test_mst_rank(doc: dict) -> None:
    # better-direction grid: [[.25, .625, .5], [.5, .125, .25]]
    assert S.mst_rank(doc, 0, 1) == (0.625, "dep2head", 1)
    assert S.mst_rank(doc, 0, 2) == (0.5, "head2dep", 2)
    assert S.mst_rank(doc, 1, 0) == (0.5, "dep2head", 2)  # ties share the rank
    assert S.mst_rank(doc, 1, 1) == (0.125, "dep2head", 6)  # tie: dep2head named
    assert S.mst_rank({"relations": {}}, 0, 0) is None


def test_examples_by_head_and_their_relation_arcs(doc: dict) -> None:
    by_head = S.head_examples(doc)
    assert sorted(by_head) == [(0, 1), (0, 2)]
    det = by_head[(0, 1)][0]
    # det dependents: The (0) -> *cat* (1), the (4) -> x (5); dep2head draws from the dependent
    assert S.relation_arcs(det) == [{"i": 0, "j": 1, "ok": True}, {"i": 4, "j": 5, "ok": True}]
    nsubj = by_head[(0, 2)][0]
    # nsubj: *cat* (1) -> sat (2); head2dep draws from the head, sat, to the dependent
    assert S.relation_arcs(nsubj) == [{"i": 2, "j": 1, "ok": True}]
    missed = {**det, "correct": [4]}
    assert [a["ok"] for a in S.relation_arcs(missed)] == [False, True]


def test_widest_margin(doc: dict) -> None:
    # det 1.0 - 0.75 = 0.25, nsubj 0.667 - 0.333 = 0.333 ("all" is not a candidate)
    assert S.widest_margin(doc) == "nsubj"
    assert S.widest_margin({"relations": {"all": doc["relations"]["all"]}}) is None


def test_syntax_findings(fixture_data: SiteData) -> None:
    first, second = S.findings(fixture_data, "index.md")
    assert first.startswith("Head [L0-H2](heads/L0-H2.md) finds the gold head of nsubj "
                            "dependents 67% of the time (head2dep), against 33% for the best "
                            "fixed offset (-1)")
    assert "(gold trees)" in first
    assert "the best head, [L0-H1](heads/L0-H1.md), finds 50% of the gold heads" in second
    assert "(best fixed offset: 40%)" in second
    assert "recover 62% of gold edges" in second  # 0.625, rounded half to even
    assert S.findings(SiteData({"general": {}}, 2, 3), "index.md") == []


def test_syntax_findings_escape_relation_labels(fixture_data: SiteData) -> None:
    doc = copy.deepcopy(fixture_data.get("syntax"))
    doc["relations"]["<b>x</b>"] = doc["relations"].pop("nsubj")
    doc["trees"] = "parser (spaCy en_core_web_sm)"
    data = SiteData({**fixture_data.documents, "syntax": doc}, 2, 3)
    first = S.findings(data, "index.md")[0]
    assert "<b>" not in first and "&#60;b&#62;x&#60;/b&#62;" in first
    assert "(parser trees)" in first


def test_accuracy_heatmap_rows_and_relations(fixture_data: SiteData) -> None:
    doc = fixture_data.get("syntax")
    spec = S.accuracy_heatmap(doc, "analyses/syntax.md")
    by_layer = spec["datasets"]["acc"]
    assert len(by_layer) == 3 * 2  # relations x layers, each layer's heads as arrays
    assert by_layer[0]["h"] == [0, 1, 2]
    assert '{"flatten": ["h", "d", "g"]}' in json.dumps(spec)  # one datum per head again
    rows = [{"r": r["r"], "l": r["l"], "h": r["h"][i], "d": r["d"][i], "g": r["g"][i]}
            for r in by_layer for i in range(len(r["h"]))]
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
    assert params["direction"]["bind"]["options"] == S.DIRECTION_CHOICES
    # links from the analysis page to head pages
    assert any("'../heads/L' + datum.l" in e for e in expressions(spec))
    assert spec["width"] == 54 * 3 and spec["height"] == 26 * 2 + 10


def test_relation_labels_never_enter_an_expression(fixture_data: SiteData) -> None:
    doc = json.loads(json.dumps(fixture_data.get("syntax")))
    doc["relations"]["'); alert(1); ('"] = doc["relations"].pop("det")
    spec = S.accuracy_heatmap(doc, "analyses/syntax.md")
    assert all("alert" not in e for e in expressions(spec))
    assert "'); alert(1); ('" in spec["params"][0]["bind"]["options"]


def test_mst_heatmap_takes_the_better_direction(fixture_data: SiteData) -> None:
    cells = S.mst_heatmap(fixture_data.get("syntax"), "analyses/syntax.md")["datasets"]["cells"]
    by_name = {c["name"]: c for c in cells}
    assert by_name["L0-H2"]["uuas"] == 0.5 and by_name["L0-H2"]["label"] == "50"
    assert by_name["L0-H1"]["uuas"] == 0.625 and by_name["L0-H1"]["url"] == "../heads/L0-H1.html"
    assert len(cells) == 6


def test_figure5_lines_words_and_relation_arcs(fixture_data: SiteData) -> None:
    example = S.head_examples(fixture_data.get("syntax"))[(0, 1)][0]
    spec = S.figure5(example, S.relation_arcs(example), "Example 1", S.GOLD_TERMS)
    lines = spec["datasets"]["lines"]
    # weights >= 0.02 per row: 2 + 3 + 2 + 3 + 2 + 3 (row 5's 0.01 is dropped)
    assert len(lines) == 15
    assert {"i": 4, "j": 5, "w": 0.8} in lines and {"i": 5, "j": 5, "w": 0.01} not in lines
    assert spec["datasets"]["arcs"] == [{"i": 0, "j": 1, "ok": True, "state": "found"},
                                        {"i": 4, "j": 5, "ok": True, "state": "found"}]
    words = spec["datasets"]["words"]
    assert [w["w"] for w in words][-1] == "</script><b>x</b>"
    assert words[1] == {"k": 1, "w": "*cat*", "rel": "nsubj", "gov": 2}
    assert spec["height"] == S.ROW_HEIGHT * 6 and spec["title"] == "Example 1"
    text = json.dumps(spec)
    assert all("cat" not in e and "script" not in e for e in expressions(spec))
    assert text.count("</script>") == 1  # only as a data value
