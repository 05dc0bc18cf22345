"""Chart builders: altair charts turned into Vega-Lite dicts, ready to embed in a page.

Every builder takes plain values (from ``SiteData``) and returns a Vega-Lite spec dict. Corpus
text only ever enters a spec as a data value (never as a field name or an expression), so
Vega shows it as text. Specs are small: per-page charts carry at most a few thousand points.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt

from generator.mapformat import decode_map
from generator.render.names import head_label, head_page, html_url
from generator.render.site_data import SiteData
from generator.vocabulary import METRIC_NAMES, TARGETS

WIDTH = 520
HEIGHT = 260
TARGET_ORDER = [*TARGETS, "other"]
TARGET_LABELS = {**{k: METRIC_NAMES[k] for k in TARGETS}, "other": "other (non-adjacent) tokens"}
CATEGORY_COLORS = {
    "prev": "#1f77b4", "self": "#9467bd", "next": "#17becf", "cls": "#d62728",
    "sep": "#ff7f0e", "punct": "#2ca02c", "other": "#b5b5b5", "broad": "#bcbd22",
    "mixed": "#7f7f7f",
}
CATEGORY_LABELS = {**TARGET_LABELS, "broad": "broad", "mixed": "mixed"}
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


def _color(keys: list[str]) -> alt.Color:
    return alt.Color("target:N", title=None,
                     scale=alt.Scale(domain=[CATEGORY_LABELS[k] for k in keys],
                                     range=[CATEGORY_COLORS[k] for k in keys]),
                     legend=alt.Legend(orient="top"))


def by_layer(data: SiteData, metrics: list[str], page: str, *, title: str, y_title: str,
             reference: float | None = None, reference_label: str = "") -> dict[str, Any]:
    """Every head as a point and each layer's mean as a line, for one or more metrics."""
    points, means = [], []
    for metric in metrics:
        grid = data.metrics[metric]
        name = METRIC_NAMES.get(metric, metric)
        for layer, row in enumerate(grid):
            means.append({"layer": layer, "value": round(sum(row) / len(row), 4),
                          "target": name})
            for head, value in enumerate(row):
                points.append({"layer": layer, "value": value, "target": name,
                               "head": head_label(layer, head),
                               "url": html_url(page, head_page(layer, head))})
    names = [METRIC_NAMES.get(m, m) for m in metrics]
    color = alt.Color("target:N", title=None, sort=names, legend=alt.Legend(orient="top"))
    x = alt.X("layer:O", title="layer (0-based)", axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=y_title)
    dots = alt.Chart(named("points")).mark_circle(size=40, opacity=0.55).encode(
        x=x, y=y, color=color, href="url:N",
        tooltip=[alt.Tooltip("head:N"), alt.Tooltip("target:N"),
                 alt.Tooltip("value:Q", format=".3f")])
    lines = alt.Chart(named("means")).mark_line(point=False, strokeWidth=2).encode(
        x=x, y=y, color=color)
    layers = [dots, lines]
    sets: dict[str, list[dict[str, Any]]] = {"points": points, "means": means}
    if reference is not None:
        sets["reference"] = [{"value": reference, "label": reference_label}]
        ref = alt.Chart(named("reference"))
        layers.append(ref.mark_rule(strokeDash=[4, 4], color="#888").encode(
            y="value:Q", tooltip=[alt.Tooltip("label:N"), alt.Tooltip("value:Q", format=".3f")]))
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title=title)
    return to_spec(chart, sets)


SHORT = {"prev": "prev", "self": "self", "next": "next", "cls": "CLS", "sep": "SEP",
         "punct": ". ,", "other": "other", "broad": "broad"}


def overview_map(data: SiteData, page: str) -> dict[str, Any]:
    """A layer x head grid: each cell a head, coloured by where most of its attention goes."""
    cells = []
    for layer, head in data.heads():
        key, share = data.profile(layer, head)[0]
        kind = "broad" if data.is_broad(layer, head) else key
        cells.append({"layer": layer, "head": head, "name": head_label(layer, head),
                      "target": CATEGORY_LABELS[kind], "share": round(share, 3),
                      "label": f"{SHORT[key]} {share * 100:.0f}",
                      "top": f"{TARGET_LABELS[key]} {share:.0%}",
                      "summary": data.summary(layer, head),
                      "url": html_url(page, head_page(layer, head))})
    keys = [k for k in CATEGORY_COLORS if any(c["target"] == CATEGORY_LABELS[k] for c in cells)]
    size = max(30, min(54, 720 // max(1, data.num_heads)))
    base = alt.Chart(named("cells")).encode(
        x=alt.X("head:O", title="head (0-based)", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("layer:O", title="layer (0-based)"))
    rects = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=_color(keys), opacity=alt.Opacity("share:Q", scale=alt.Scale(domain=[0, 1],
                                                                           range=[0.35, 1]),
                                                legend=None),
        href="url:N",
        tooltip=[alt.Tooltip("name:N", title="head"), alt.Tooltip("top:N", title="largest"),
                 alt.Tooltip("summary:N", title="behaviour")])
    text = base.mark_text(fontSize=9, color="black").encode(text="label:N", href="url:N")
    chart = alt.layer(rects, text).properties(
        width=size * data.num_heads, height=22 * data.num_layers + 10,
        title="Where each head's attention mostly goes (share in %; click a cell for its page)")
    return to_spec(chart, {"cells": cells})


def head_profile(data: SiteData, layer: int, head: int) -> dict[str, Any]:
    """Where one head's attention goes (bars) against its layer's average (ticks)."""
    rows = []
    mean_profile = {k: 0.0 for k in TARGET_ORDER}
    for other in range(data.num_heads):
        for key, share in data.profile(layer, other):
            mean_profile[key] += share / data.num_heads
    for key, share in data.profile(layer, head):
        rows.append({"target": TARGET_LABELS[key], "share": round(share, 4),
                     "layer_mean": round(mean_profile[key], 4)})
    spec = json.loads(_profile_skeleton(len(rows)))
    spec["title"] = f"Where {head_label(layer, head)}'s attention goes (ticks: layer {layer} mean)"
    spec["datasets"] = {"rows": rows}
    return spec


@lru_cache(maxsize=4)
def _profile_skeleton(bars: int) -> str:
    """The head profile chart without data or title, built once (altair is slow to build)."""
    order = [TARGET_LABELS[k] for k in TARGET_ORDER]
    base = alt.Chart(named("rows"))
    y = alt.Y("target:N", sort=order, title=None)
    bars_mark = base.mark_bar().encode(
        y=y, x=alt.X("share:Q", title="share of attention", scale=alt.Scale(domain=[0, 1]),
                     axis=alt.Axis(format="%")),
        color=alt.Color("target:N", legend=None,
                        scale=alt.Scale(domain=order,
                                        range=[CATEGORY_COLORS[k] for k in TARGET_ORDER])),
        tooltip=[alt.Tooltip("target:N"), alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("layer_mean:Q", format=".1%", title="layer mean")])
    ticks = base.mark_tick(color="#888", thickness=2, size=18).encode(
        y=y, x="layer_mean:Q",
        tooltip=[alt.Tooltip("layer_mean:Q", format=".1%", title="layer mean")])
    chart = alt.layer(bars_mark, ticks).properties(width=WIDTH - 120, height=22 * bars)
    return json.dumps(to_spec(chart, {}))


def layer_profiles(data: SiteData, layer: int, page: str) -> dict[str, Any]:
    """All heads of a layer side by side: stacked shares of attention by target."""
    rows = []
    for head in range(data.num_heads):
        for key, share in data.profile(layer, head):
            rows.append({"head": head_label(layer, head), "target": TARGET_LABELS[key],
                         "order": TARGET_ORDER.index(key), "share": round(share, 4),
                         "url": html_url(page, head_page(layer, head))})
    order = [TARGET_LABELS[k] for k in TARGET_ORDER]
    chart = alt.Chart(named("rows")).mark_bar().encode(
        x=alt.X("head:N", sort=[head_label(layer, h) for h in range(data.num_heads)],
                title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", stack="zero", title="share of attention",
                axis=alt.Axis(format="%")),
        color=alt.Color("target:N", title=None, sort=order,
                        scale=alt.Scale(domain=order,
                                        range=[CATEGORY_COLORS[k] for k in TARGET_ORDER]),
                        legend=alt.Legend(orient="top")),
        order=alt.Order("order:Q"), href="url:N",
        tooltip=[alt.Tooltip("head:N"), alt.Tooltip("target:N"),
                 alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=max(WIDTH, 48 * data.num_heads), height=HEIGHT,
                 title=f"Layer {layer}: where each head's attention goes")
    return to_spec(chart, {"rows": rows})


def _labels(example: dict[str, Any]) -> list[dict[str, Any]]:
    labels = [{"i": i, "t": f"{pos} {tok}"}
              for i, (pos, tok) in enumerate(zip(example["positions"], example["tokens"],
                                                 strict=True))]
    labels.append({"i": len(labels), "t": "(not shown)"})
    return labels


def _rows(encoded: str, extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One datum per map row, its weights as a list (the chart flattens it: ~5x smaller)."""
    extra = extra or {}
    return [{**extra, "i": i, "v": row} for i, row in enumerate(decode_map(encoded))]


def _heatmap(labels: list[dict[str, Any]], *, cell: int, axes: bool) -> alt.Chart:
    """A heatmap of the "cells" rows (flattened; column j = position in the row) with token
    names looked up in the "labels" dataset. ``axes`` False: small multiples by head "h"."""
    lookup = alt.LookupData(data=named("labels"), key="i", fields=["t"])
    axis = alt.Axis(labelFontSize=9, labelLimit=90) if axes else None
    names = [label["t"] for label in labels]
    return alt.Chart(named("cells")).transform_flatten(["v"]).transform_window(
        window=[{"op": "row_number", "as": "column"}], groupby=["h", "i"] if not axes else ["i"]
    ).transform_calculate(j="datum.column - 1").transform_lookup(
        lookup="i", from_=lookup, as_=["from"]
    ).transform_lookup(
        lookup="j", from_=lookup, as_=["to"]
    ).mark_rect().encode(
        x=alt.X("to:N", scale=alt.Scale(domain=names), title="attends to (key)" if axes else None,
                axis=axis),
        y=alt.Y("from:N", scale=alt.Scale(domain=names[:-1]),
                title="from (query)" if axes else None, axis=axis),
        color=alt.Color("v:Q", title="weight", scale=alt.Scale(scheme=HEATMAP_SCHEME,
                                                               domain=[0, 1])),
        tooltip=[alt.Tooltip("from:N"), alt.Tooltip("to:N"), alt.Tooltip("v:Q", format=".3f",
                                                                          title="weight")],
    ).properties(width=cell * len(labels), height=cell * (len(labels) - 1))


def example_map(example: dict[str, Any], layer: int, head: int, title: str) -> dict[str, Any]:
    """One head's attention on one example segment, as a heatmap with token labels."""
    labels = _labels(example)
    spec = json.loads(_example_skeleton(tuple(label["t"] for label in labels)))
    spec["title"] = title
    spec["datasets"] = {"cells": _rows(example["maps"][layer][head]), "labels": labels}
    return spec


@lru_cache(maxsize=16)
def _example_skeleton(names: tuple[str, ...]) -> str:
    """The example heatmap without data or title: one per example, reused for every head."""
    labels = [{"i": i, "t": t} for i, t in enumerate(names)]
    return json.dumps(to_spec(_heatmap(labels, cell=13, axes=True), {}))


def layer_example_maps(example: dict[str, Any], layer: int, page: str) -> dict[str, Any]:
    """Small multiples: every head of a layer on the same example segment."""
    labels = _labels(example)
    cells = []
    heads = len(example["maps"][layer])
    for head in range(heads):
        cells += _rows(example["maps"][layer][head], {"h": head})
    chart = _heatmap(labels, cell=5, axes=False).facet(
        facet=alt.Facet("h:O", title="head"), columns=6
    ).properties(title=f"Layer {layer}, every head on example 1 (rows: from, columns: to)")
    return to_spec(chart, {"cells": cells, "labels": labels})
