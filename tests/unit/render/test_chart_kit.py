"""The shared chart building blocks: charts of per-head grids and scores carry the right values
and links."""

from __future__ import annotations

from generator.render import chart_kit

GRIDS = {"a": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "b": [[0.0, 0.0, 3.0], [1.0, 1.0, 1.0]]}


def test_grids_by_layer_means_and_points() -> None:
    spec = chart_kit.grids_by_layer(GRIDS, {"a": "#000", "b": "#fff"}, "analyses/x.md",
                                    title="t", y_title="y")
    means = {(m["target"], m["layer"]): m["value"] for m in spec["datasets"]["means"]}
    assert means == {("a", 0): 2.0, ("a", 1): 5.0, ("b", 0): 1.0, ("b", 1): 1.0}
    points = spec["datasets"]["points"]
    assert len(points) == 12
    l1h2 = [p for p in points if p["head"] == "L1-H2" and p["target"] == "a"][0]
    assert l1h2["value"] == 6.0 and "url" not in l1h2  # computed by the chart:
    dots = spec["layer"][0]
    assert dots["transform"] == [{"calculate": chart_kit.head_url("analyses/x.md"), "as": "url"}]
    assert dots["encoding"]["href"] == {"field": "url", "type": "nominal"}


def test_head_url_expression_gives_the_relative_head_page() -> None:
    # the expression is a string concatenation; evaluate it for one head by hand
    for page, url in (("analyses/x.md", "../heads/L1-H2.html"), ("index.md", "heads/L1-H2.html"),
                      ("heads/L0-H0.md", "L1-H2.html")):
        expression = chart_kit.head_url(page).replace("datum.head", "'L1-H2'")
        assert eval(expression) == url  # noqa: S307 (our own string literals)


def test_grid_heatmaps_one_cell_per_head_and_panel() -> None:
    spec = chart_kit.grid_heatmaps(GRIDS, "analyses/x.md", title="t", value_title="v",
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
    spec = chart_kit.score_bars(rows, title="t", x_title="UAS", reference_title="paper")
    assert spec["datasets"]["rows"] == rows


def test_layer_points_round_the_means_only_when_asked() -> None:
    points, means = chart_kit.layer_points({"b": GRIDS["b"]}, "layers/L0.md")
    # b: (0 + 0 + 3) / 3 = 1 and (1 + 1 + 1) / 3 = 1
    assert means == [{"layer": 0, "target": "b", "value": 1.0},
                     {"layer": 1, "target": "b", "value": 1.0}]
    assert points[2] == {"layer": 0, "value": 3.0, "target": "b", "head": "L0-H2"}
    thirds = {"t": [[1.0, 0.0, 0.0]]}
    assert chart_kit.layer_points(thirds, "index.md")[1][0]["value"] == 1 / 3
    assert chart_kit.layer_points(thirds, "index.md", mean_digits=4)[1][0]["value"] == 0.3333


def test_cell_size_fits_the_heads_in_720_pixels_within_limits() -> None:
    assert chart_kit.cell_size(3) == 54  # 720 // 3 = 240, at most 54
    assert chart_kit.cell_size(16) == 45  # 720 // 16
    assert chart_kit.cell_size(64) == 30  # 720 // 64 = 11, at least 30
    assert chart_kit.cell_size(0) == 54
