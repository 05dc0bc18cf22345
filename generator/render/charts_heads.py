"""Charts for heads.json: the head map (paper Figure 6) with a colour switch and links."""

from __future__ import annotations

from typing import Any

import altair as alt

from generator.render.charts import HEIGHT, WIDTH, named, to_spec
from generator.render.heads_view import head_at, heads_doc
from generator.render.names import cluster_label, head_label, head_page, html_url
from generator.render.site_data import SiteData

COLOUR_BY = ("cluster", "layer", "paper label", "pattern")
"""What the map can be coloured by (a radio button under the chart)."""
_COLOUR_FIELD = {"cluster": "cluster", "layer": "layer_name", "paper label": "paper",
                 "pattern": "pattern"}


def _colour_expression() -> str:
    """Picks the field named by the ``colour_by`` param (our own names only, no corpus text)."""
    expr = "datum.cluster"
    for option in reversed(COLOUR_BY[1:]):
        expr = f"colour_by === '{option}' ? datum.{_COLOUR_FIELD[option]} : ({expr})"
    return expr


def head_map(data: SiteData, page: str) -> dict[str, Any]:
    """Every head at its 2D MDS position; colour by cluster, layer or label; click for its page."""
    doc = heads_doc(data)
    points = []
    for k, (x, y) in enumerate(doc["mds"]):
        layer, head = head_at(data, k)
        points.append({
            "x": x, "y": y, "head": head_label(layer, head),
            "layer_name": f"layer {layer:02d}" if data.num_layers > 10 else f"layer {layer}",
            "cluster": f"cluster {cluster_label(doc['cluster'][k])}",
            "paper": doc["paper_label"][k] or "none", "pattern": doc["pattern"][k],
            "labels": ", ".join(doc["labels"][k]),
            "summary": data.summary(layer, head) if data.metrics else "",
            "url": html_url(page, head_page(layer, head)),
        })
    colour_by = alt.param(name="colour_by", value="cluster",
                          bind=alt.binding_radio(options=list(COLOUR_BY), name="colour by: "))
    chart = alt.Chart(named("points")).transform_calculate(
        colour=_colour_expression()
    ).mark_point(filled=True, size=90, opacity=0.85).encode(
        x=alt.X("x:Q", title="MDS 1", axis=alt.Axis(labels=False, ticks=False)),
        y=alt.Y("y:Q", title="MDS 2", axis=alt.Axis(labels=False, ticks=False)),
        color=alt.Color("colour:N", title=None, scale=alt.Scale(scheme="category10"),
                        legend=alt.Legend(orient="right")),
        shape=alt.Shape("pattern:N", title="pattern", legend=alt.Legend(orient="right")),
        href="url:N",
        tooltip=[alt.Tooltip("head:N"), alt.Tooltip("cluster:N"), alt.Tooltip("labels:N"),
                 alt.Tooltip("summary:N", title="behaviour")],
    ).add_params(colour_by).properties(
        width=WIDTH, height=HEIGHT + 140,
        title="Heads placed by how alike their attention is (click a head for its page)")
    return to_spec(chart, {"points": points})
