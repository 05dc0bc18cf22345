"""Chart specs carry the right values, and corpus text only ever as data."""

from __future__ import annotations

from typing import Any

import pytest

from generator.render import charts
from generator.render.site_data import SiteData

EXPRESSION_KEYS = {"calculate", "expr", "labelExpr", "filter", "test", "signal"}


def _expressions(node: Any) -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in EXPRESSION_KEYS and isinstance(value, str):
                found.append(value)
            found += _expressions(value)
    elif isinstance(node, list):
        for value in node:
            found += _expressions(value)
    return found


def test_by_layer_has_every_head_and_the_layer_means(fixture_data: SiteData) -> None:
    spec = charts.by_layer(fixture_data, ["cls", "sep"], "analyses/general.md", title="t",
                           y_title="y", reference=2.3, reference_label="uniform")
    points, means = spec["datasets"]["points"], spec["datasets"]["means"]
    assert len(points) == 2 * 2 * 3
    cls_means = [m["value"] for m in means if m["target"] == "[CLS]"]
    assert cls_means == pytest.approx([(0.05 + 0.1 + 0.7) / 3, (0.1 + 0.05 + 0.05) / 3],
                                      abs=1e-4)
    l1h0 = [p for p in points if p["head"] == "L1-H0" and p["target"] == "[SEP]"]
    assert l1h0[0]["value"] == 0.65 and l1h0[0]["url"] == "../heads/L1-H0.html"
    assert spec["datasets"]["reference"] == [{"value": 2.3, "label": "uniform"}]


def test_head_profile_against_the_layer_mean(fixture_data: SiteData) -> None:
    spec = charts.head_profile(fixture_data, 0, 0)
    rows = {r["target"]: r for r in spec["datasets"]["rows"]}
    assert rows["previous token"]["share"] == 0.8
    # layer 0 prev shares: .8, .05, .02 (no scaling: each head's targets sum below 1)
    assert rows["previous token"]["layer_mean"] == pytest.approx(0.29, abs=1e-4)
    assert "L0-H0" in spec["title"]
    assert charts.head_profile(fixture_data, 1, 2)["title"].startswith("Where L1-H2")


def test_overview_map_has_one_cell_per_head(fixture_data: SiteData) -> None:
    cells = charts.overview_map(fixture_data, "index.md")["datasets"]["cells"]
    assert len(cells) == 6
    by_name = {c["name"]: c for c in cells}
    assert by_name["L0-H1"]["target"] == "broad"
    assert by_name["L1-H0"]["target"] == "[SEP]" and by_name["L1-H0"]["label"] == "SEP 65"
    assert by_name["L0-H2"]["url"] == "heads/L0-H2.html"


def test_example_map_rows_and_labels(fixture_data: SiteData) -> None:
    example = fixture_data.get("examples")["examples"][0]
    spec = charts.example_map(example, 0, 0, "Example 1")
    rows = spec["datasets"]["cells"]
    assert [r["i"] for r in rows] == [0, 1, 2, 3, 4]
    assert rows[4]["v"] == [0.0, 0.0, 0.0, 0.5, 0.0, 0.5]
    labels = [x["t"] for x in spec["datasets"]["labels"]]
    assert labels == ["0 [CLS]", "1 the", "2 *cat*", "3 </script><b>x</b>", "6 [SEP]",
                      "(not shown)"]
    assert spec["title"] == "Example 1"
    # another head reuses the same skeleton with its own data
    other = charts.example_map(example, 1, 0, "Example 1")
    assert other["datasets"]["cells"][0]["v"] == [0, 0, 0, 0, 1.0, 0]


def test_corpus_text_never_enters_an_expression(fixture_data: SiteData) -> None:
    example = fixture_data.get("examples")["examples"][0]
    specs = [charts.example_map(example, 0, 1, "x"),
             charts.layer_example_maps(example, 1, "layers/L1.md")]
    for spec in specs:
        for expression in _expressions(spec):
            for token in example["tokens"]:
                assert token not in expression


def test_layer_example_maps_hold_every_head(fixture_data: SiteData) -> None:
    example = fixture_data.get("examples")["examples"][0]
    spec = charts.layer_example_maps(example, 1, "layers/L1.md")
    heads = sorted({r["h"] for r in spec["datasets"]["cells"]})
    assert heads == [0, 1, 2]
    assert len(spec["datasets"]["cells"]) == 3 * 5
