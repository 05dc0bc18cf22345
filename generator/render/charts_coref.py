"""Charts for coref.json: accuracy of every head, and the example pronoun's attention."""

from __future__ import annotations

from typing import Any

import altair as alt

from generator.render.charts import HEATMAP_SCHEME, named, to_spec
from generator.render.names import head_label, head_page, html_url
from generator.render.site_data import SiteData

KINDS = {"antecedent": "an antecedent (gold)", "other": "another mention"}


def accuracy_heatmap(data: SiteData, page: str) -> dict[str, Any]:
    """Layer x head grid coloured by how often the head picks a correct antecedent."""
    doc = data.get("coref")
    accuracy = doc["accuracy"]
    cells = []
    for layer, head in data.heads():
        value = accuracy["all"][layer][head]
        cells.append({"layer": layer, "head": head, "name": head_label(layer, head),
                      "all": value, "text": "" if value is None else f"{value * 100:.0f}",
                      **{t: accuracy[t][layer][head] for t in ("pronoun", "proper", "nominal")},
                      "url": html_url(page, head_page(layer, head))})
    size = max(30, min(54, 720 // max(1, data.num_heads)))
    base = alt.Chart(named("cells")).encode(
        x=alt.X("head:O", title="head (0-based)", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("layer:O", title="layer (0-based)"))
    rects = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("all:Q", title="accuracy", scale=alt.Scale(scheme=HEATMAP_SCHEME),
                        legend=alt.Legend(format="%")),
        href="url:N",
        tooltip=[alt.Tooltip("name:N", title="head"),
                 alt.Tooltip("all:Q", format=".1%", title="all mentions"),
                 alt.Tooltip("pronoun:Q", format=".1%"), alt.Tooltip("proper:Q", format=".1%"),
                 alt.Tooltip("nominal:Q", format=".1%")])
    text = base.mark_text(fontSize=9).encode(
        text="text:N", href="url:N",
        color=alt.condition("datum.all > 0.5", alt.value("black"), alt.value("white")))
    chart = alt.layer(rects, text).properties(
        width=size * data.num_heads, height=22 * data.num_layers + 10,
        title=alt.TitleParams(
            "Antecedent accuracy of each head, % (click a cell for its page)",
            subtitle=["candidates: mentions that end before the mention starts",
                      "(gold coreference annotation)"]))
    return to_spec(chart, {"cells": cells})


def example_attention(example: dict[str, Any]) -> dict[str, Any]:
    """The pronoun's attention to every candidate word, in text order; antecedents coloured."""
    words = example["words"]
    name = head_label(example["layer"], example["head"])
    rows = []
    for c in example["candidates"]:
        mark = " (chosen)" if c["word"] == example["predicted_word"] else ""
        rows.append({"word": f"{c['word']} {words[c['word']]}{mark}", "order": c["word"],
                     "weight": c["weight"],
                     "kind": KINDS["antecedent" if c["gold"] else "other"]})
    chart = alt.Chart(named("rows")).mark_bar().encode(
        y=alt.Y("word:N", sort=alt.EncodingSortField("order", order="ascending"),
                title=None, axis=alt.Axis(labelLimit=160)),
        x=alt.X("weight:Q", title=f"attention from the pronoun ({name})"),
        color=alt.Color("kind:N", title=None,
                        scale=alt.Scale(domain=list(KINDS.values()),
                                        range=["#d62728", "#9e9e9e"]),
                        legend=alt.Legend(orient="top")),
        tooltip=[alt.Tooltip("word:N", title="candidate"), alt.Tooltip("kind:N"),
                 alt.Tooltip("weight:Q", format=".4f")],
    ).properties(width=360, height=14 * len(rows),
                 title="Where the pronoun's attention goes among the candidates")
    return to_spec(chart, {"rows": rows})
