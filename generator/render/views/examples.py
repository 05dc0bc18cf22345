"""The view of examples.json: every head's attention map on a few example segments.

Heatmaps with token labels: one per head and example on head pages, small multiples of a
layer's heads on layer pages. Tokens are corpus text: they enter a spec only as data values.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt

from generator.mapformat import decode_map
from generator.render.chart_kit import HEATMAP_SCHEME, named, to_spec
from generator.render.site_data import SiteData
from generator.render.views.base import View


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


def layer_charts(data: SiteData, layer: int, page: str) -> dict[str, Any]:
    examples = data.get("examples").get("examples", [])
    return {"example_maps": layer_example_maps(examples[0], layer, page)} if examples else {}


def head_charts(data: SiteData, layer: int, head: int, page: str) -> dict[str, Any]:
    examples = data.get("examples").get("examples", [])
    return {f"example_{k}": example_map(ex, layer, head, f"Example {k + 1}")
            for k, ex in enumerate(examples)}


VIEW = View("examples", layer_charts=layer_charts, head_charts=head_charts)
