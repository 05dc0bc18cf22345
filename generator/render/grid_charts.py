"""Charts of per-head ``[layer][head]`` grids from any results file, and of scored rows.

``general.json`` has its own builders (``charts.py``, which read ``SiteData.metrics``); these take
the grids themselves, so analyses such as gradients.json and probes.json can chart their values
without a metric of their own in the view. Labels are our own strings; no corpus text enters.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from generator.render.charts import HEIGHT, WIDTH, named, to_spec
from generator.render.names import head_label, head_page, html_url

Grid = list[list[float]]


def grids_by_layer(grids: dict[str, Grid], colors: dict[str, str], page: str, *, title: str,
                   y_title: str, y_format: str = ".3f") -> dict[str, Any]:
    """Every head as a point and each layer's mean as a line, for several named grids (Figure 3
    of the paper plots the layer means)."""
    points, means = [], []
    for name, grid in grids.items():
        for layer, row in enumerate(grid):
            means.append({"layer": layer, "value": sum(row) / len(row), "target": name})
            for head, value in enumerate(row):
                points.append({"layer": layer, "value": value, "target": name,
                               "head": head_label(layer, head),
                               "url": html_url(page, head_page(layer, head))})
    color = alt.Color("target:N", title=None,
                      scale=alt.Scale(domain=list(grids), range=[colors[n] for n in grids]),
                      legend=alt.Legend(orient="top"))
    x = alt.X("layer:O", title="layer (0-based)", axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=y_title, axis=alt.Axis(format=y_format))
    dots = alt.Chart(named("points")).mark_circle(size=30, opacity=0.35).encode(
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
