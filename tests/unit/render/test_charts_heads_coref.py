"""The head map and the coreference charts: values, relative links, and no corpus text in
expressions."""

from __future__ import annotations

from generator.render import charts_coref, charts_heads
from generator.render.site_data import SiteData
from tests.unit.render.test_charts import _expressions


def test_head_map_points_link_to_head_pages(fixture_data: SiteData) -> None:
    spec = charts_heads.head_map(fixture_data, "analyses/heads.md")
    points = spec["datasets"]["points"]
    assert [p["head"] for p in points] == ["L0-H0", "L0-H1", "L0-H2", "L1-H0", "L1-H1", "L1-H2"]
    assert points[4]["url"] == "../heads/L1-H1.html"  # relative: HTTP, file:// and instant nav
    assert points[4]["cluster"] == "cluster C0" and points[4]["paper"] == "next"
    assert points[5]["paper"] == "none" and points[5]["pattern"] == "heterogeneous"
    assert (points[2]["x"], points[2]["y"]) == (0.1, -0.3)
    assert spec["encoding"]["href"] == {"field": "url", "type": "nominal"}
    param = spec["params"][0]
    assert param["name"] == "colour_by" and param["value"] == "cluster"
    assert param["bind"]["input"] == "radio"
    assert param["bind"]["options"] == ["cluster", "layer", "paper label", "pattern"]


def test_colour_expression_names_every_option() -> None:
    expression = charts_heads._colour_expression()
    for option, field in charts_heads._COLOUR_FIELD.items():
        assert f"datum.{field}" in expression
        if option != "cluster":
            assert f"colour_by === '{option}'" in expression


def test_coref_heatmap_and_example(fixture_data: SiteData) -> None:
    heat = charts_coref.accuracy_heatmap(fixture_data, "analyses/coref.md")
    cells = heat["datasets"]["cells"]
    assert len(cells) == 6
    best = next(c for c in cells if c["name"] == "L1-H0")
    assert best["all"] == 0.6 and best["pronoun"] == 0.8 and best["text"] == "60"
    assert best["url"] == "../heads/L1-H0.html"
    example = fixture_data.get("coref")["example"]
    bars = charts_coref.example_attention(example)["datasets"]["rows"]
    assert [b["word"] for b in bars] == ["0 Kim (chosen)", "2 </script><b>x</b>"]
    assert [b["kind"] for b in bars] == ["an antecedent (gold)", "another mention"]
    assert [b["weight"] for b in bars] == [0.5, 0.2]


def test_corpus_text_stays_out_of_expressions(fixture_data: SiteData) -> None:
    example = fixture_data.get("coref")["example"]
    specs = [charts_coref.example_attention(example),
             charts_coref.accuracy_heatmap(fixture_data, "analyses/coref.md"),
             charts_heads.head_map(fixture_data, "analyses/heads.md")]
    for spec in specs:
        for expression in _expressions(spec):
            for word in example["words"]:
                assert len(word) < 4 or word not in expression  # "." is in any expression
