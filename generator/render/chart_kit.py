"""Chart building blocks several views share: altair charts turned into Vega-Lite dicts.

Every builder takes plain values and returns a Vega-Lite spec dict, its data passed as named
datasets (``named`` + ``to_spec``: altair validates inline values slowly). Corpus text only ever
enters a spec as a data value (never as a field name or an expression), so Vega shows it as text.
Here: the common sizes and colour scheme, every head as a point with each layer's mean as a
line (``layer_points``, ``grids_by_layer``), layer x head heatmaps of named grids
(``grid_heatmaps``, ``cell_size``) and scored rows as bars (``score_bars``). Labels here are our
own strings; views build their own charts on these (``generator/render/views/``).
"""

from __future__ import annotations

from typing import Any

import altair as alt

from generator.render.names import head_label, head_page, html_url
from generator.render.site_data import Grid, layer_means

WIDTH = 520
HEIGHT = 260
HEATMAP_SCHEME = "viridis"


def named(name: str) -> alt.NamedData:
    """A reference to a dataset given to ``to_spec`` (altair validates inline values slowly)."""
    return alt.NamedData(name=name)


def to_spec(chart: alt.TopLevelMixin, datasets: dict[str, list[dict[str, Any]]]
            ) -> dict[str, Any]:
    """The Vega-Lite dict of a chart with its data, transparent for light and dark pages."""
    spec = chart.to_dict(validate=False)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    spec["background"] = "transparent"
    spec.setdefault("config", {}).update({"view": {"stroke": None}})
    return spec


def cell_size(heads: int) -> int:
    """The side of one head's cell in a layer x head heatmap of the whole model (pixels)."""
    return max(30, min(54, 720 // max(1, heads)))


def layer_points(grids: dict[str, Grid], page: str, mean_digits: int | None = None
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The datasets of a by-layer chart of named grids: every head as a point (its label
    ``head``; the chart computes its page's URL with ``head_url``), and each layer's mean over
    its heads (rounded to ``mean_digits`` if given)."""
    points, means = [], []
    for name, grid in grids.items():
        for layer, (row, mean) in enumerate(zip(grid, layer_means(grid), strict=True)):
            means.append({"layer": layer, "target": name,
                          "value": mean if mean_digits is None else round(mean, mean_digits)})
            for head, value in enumerate(row):
                points.append({"layer": layer, "value": value, "target": name,
                               "head": head_label(layer, head)})
    return points, means


def head_url(page: str) -> str:
    """A Vega expression: the URL of the page of the head labelled ``datum.head``, relative to
    ``page``. Charts of every head compute it (``transform_calculate(url=head_url(page))``)
    instead of carrying one URL per point: on a 32 x 32-head model's general page that is a
    third of the chart data (docs/performance.md, "Site at 1024 heads")."""
    stem = head_label(0, 0)
    prefix = html_url(page, head_page(0, 0))[: -len(f"{stem}.html")]
    return f"'{prefix}' + datum.head + '.html'"


def grids_by_layer(grids: dict[str, Grid], colors: dict[str, str], page: str, *, title: str,
                   y_title: str, y_format: str = ".3f") -> dict[str, Any]:
    """Every head as a point and each layer's mean as a line, for several named grids (Figure 3
    of the paper plots the layer means)."""
    points, means = layer_points(grids, page)
    color = alt.Color("target:N", title=None,
                      scale=alt.Scale(domain=list(grids), range=[colors[n] for n in grids]),
                      legend=alt.Legend(orient="top"))
    x = alt.X("layer:O", title="layer (0-based)", axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=y_title, axis=alt.Axis(format=y_format))
    dots = alt.Chart(named("points")).transform_calculate(url=head_url(page)).mark_circle(
        size=30, opacity=0.35).encode(
        x=x, y=y, color=color, href="url:N",
        tooltip=[alt.Tooltip("head:N"), alt.Tooltip("target:N"),
                 alt.Tooltip("value:Q", format=y_format)])
    lines = alt.Chart(named("means")).mark_line(point=True, strokeWidth=2.5).encode(
        x=x, y=y, color=color,
        tooltip=[alt.Tooltip("layer:O"), alt.Tooltip("target:N"),
                 alt.Tooltip("value:Q", format=y_format, title="layer mean")])
    chart = alt.layer(dots, lines).properties(width=WIDTH, height=HEIGHT, title=title)
    return to_spec(chart, {"points": points, "means": means})


def grid_heatmaps(grids: dict[str, Grid], page: str, *, title: str, value_title: str,
                  value_format: str = ".3f", diverging: bool = False,
                  columns: int = 2) -> dict[str, Any]:
    """One layer x head heatmap per named grid, on one shared colour scale (so panels compare);
    ``diverging``: a red-blue scale centred on 0 for signed values. Cells link to head pages."""
    cells = []
    for name, grid in grids.items():
        for layer, row in enumerate(grid):
            for head, value in enumerate(row):
                cells.append({"panel": name, "layer": layer, "head": head, "value": value,
                              "name": head_label(layer, head),
                              "url": html_url(page, head_page(layer, head))})
    heads = max(len(row) for grid in grids.values() for row in grid)
    layers = max(len(grid) for grid in grids.values())
    size = max(14, min(40, 480 // max(1, heads * min(columns, len(grids)))))
    scale = (alt.Scale(scheme="redblue", domainMid=0, reverse=True) if diverging
             else alt.Scale(scheme="viridis"))
    chart = alt.Chart(named("cells")).mark_rect(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("head:O", title="head", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("layer:O", title="layer"),
        color=alt.Color("value:Q", title=value_title, scale=scale,
                        legend=alt.Legend(format=value_format)),
        href="url:N",
        tooltip=[alt.Tooltip("name:N", title="head"), alt.Tooltip("panel:N", title="of"),
                 alt.Tooltip("value:Q", format=value_format)],
    ).properties(width=size * heads, height=size * layers).facet(
        facet=alt.Facet("panel:N", title=None, sort=list(grids)), columns=columns
    ).properties(title=title)
    return to_spec(chart, {"cells": cells})


def score_bars(rows: list[dict[str, Any]], *, title: str, x_title: str,
               reference_title: str) -> dict[str, Any]:
    """Horizontal bars of ``score`` per ``label`` (rows in order), with a tick at each row's
    ``reference`` score where it has one (e.g. the paper's)."""
    order = [r["label"] for r in rows]
    base = alt.Chart(named("rows"))
    y = alt.Y("label:N", sort=order, title=None)
    bars = base.mark_bar(color="#4c78a8").encode(
        y=y, x=alt.X("score:Q", title=x_title, scale=alt.Scale(domain=[0, 1]),
                     axis=alt.Axis(format="%")),
        tooltip=[alt.Tooltip("label:N", title="row"), alt.Tooltip("score:Q", format=".1%")])
    ticks = base.transform_filter("isValid(datum.reference)").mark_tick(
        color="#d62728", thickness=3, size=22).encode(
        y=y, x="reference:Q",
        tooltip=[alt.Tooltip("label:N", title="row"),
                 alt.Tooltip("reference:Q", format=".0%", title=reference_title)])
    chart = alt.layer(bars, ticks).properties(width=WIDTH - 120, height=30 * len(rows),
                                              title=title)
    return to_spec(chart, {"rows": rows})
