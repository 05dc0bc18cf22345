"""Charts of per-head grids and scores carry the right values and links."""

from __future__ import annotations

import pytest

from generator.render import grid_charts
from generator.render.registry import gradients_page, probes_page
from generator.render.site_data import SiteData

GRIDS = {"a": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "b": [[0.0, 0.0, 3.0], [1.0, 1.0, 1.0]]}


def test_grids_by_layer_means_and_points() -> None:
    spec = grid_charts.grids_by_layer(GRIDS, {"a": "#000", "b": "#fff"}, "analyses/x.md",
                                      title="t", y_title="y")
    means = {(m["target"], m["layer"]): m["value"] for m in spec["datasets"]["means"]}
    assert means == {("a", 0): 2.0, ("a", 1): 5.0, ("b", 0): 1.0, ("b", 1): 1.0}
    points = spec["datasets"]["points"]
    assert len(points) == 12
    l1h2 = [p for p in points if p["head"] == "L1-H2" and p["target"] == "a"][0]
    assert l1h2["value"] == 6.0 and l1h2["url"] == "../heads/L1-H2.html"


def test_grid_heatmaps_one_cell_per_head_and_panel() -> None:
    spec = grid_charts.grid_heatmaps(GRIDS, "analyses/x.md", title="t", value_title="v",
                                     diverging=True)
    cells = spec["datasets"]["cells"]
    assert len(cells) == 12
    cell = [c for c in cells if c["panel"] == "b" and c["name"] == "L0-H2"][0]
    assert (cell["layer"], cell["head"], cell["value"]) == (0, 2, 3.0)
    assert cell["url"] == "../heads/L0-H2.html"
    assert spec["spec"]["encoding"]["color"]["scale"]["domainMid"] == 0


def test_score_bars_keep_rows_and_references() -> None:
    rows = [{"label": "x", "score": 0.5, "reference": 0.6},
            {"label": "y", "score": 0.2, "reference": None}]
    spec = grid_charts.score_bars(rows, title="t", x_title="UAS", reference_title="paper")
    assert spec["datasets"]["rows"] == rows


def test_gradient_page_charts_from_the_fixture(fixture_data: SiteData) -> None:
    specs = gradients_page(fixture_data, "analyses/gradients.md")
    means = {(m["target"], m["layer"]): m["value"] for m in specs["by_layer"]["datasets"]["means"]}
    # sep [[4, 3, 5], [1, .5, 1.5]] e-6 -> 4e-6, 1e-6; cls [[1, 2, 3], [6, 1, 2]] e-6 -> 2e-6, 3e-6
    assert means[("[SEP]", 0)] == pytest.approx(4e-6) and means[("[SEP]", 1)] == pytest.approx(1e-6)
    assert means[("[CLS] (also in other)", 1)] == pytest.approx(3e-6)
    # values ~1e-6: exponent notation on the axis (not "0.000")
    assert specs["by_layer"]["layer"][0]["encoding"]["y"]["axis"]["format"] == ".2e"
    panels = {c["panel"] for c in specs["per_head"]["datasets"]["cells"]}
    assert panels == {"[SEP]", '"." or ","', "other tokens", "[CLS] (also in other)"}


def test_probe_page_charts_from_the_fixture(fixture_data: SiteData) -> None:
    specs = probes_page(fixture_data, "analyses/probes.md")
    rows = specs["uas"]["datasets"]["rows"]
    assert [r["label"] for r in rows] == ["Attn", "Attn + embeddings", "Distances + embeddings",
                                          "Right-branching"]
    assert [r["score"] for r in rows] == [0.5, 0.625, 0.45, 0.25]
    assert [r["reference"] for r in rows] == [0.61, 0.77, 0.58, 0.26]
    cells = specs["weights"]["datasets"]["cells"]
    back = [c for c in cells if c["panel"] == "head attends to its word" and c["name"] == "L1-H2"]
    assert back[0]["value"] == 0.6
