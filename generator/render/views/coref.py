"""The view of coref.json (paper section 4.3, Table 2): antecedent accuracy of every head.

Table 2's rows, ranks and the example passage as safe HTML (templates call these as
``coref_view``), the accuracy heatmap and the example pronoun's attention, and the home page's
finding. The passage is corpus text: every word goes through ``escape.text``; only our own
markup (spans for words, brackets for mention edges) is HTML.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from generator.render.chart_kit import HEATMAP_SCHEME, cell_size, named, to_spec
from generator.render.escape import text
from generator.render.names import head_label, head_link, head_page, html_url, link
from generator.render.site_data import SiteData
from generator.render.views.base import View, module

TYPES = ("pronoun", "proper", "nominal")
BASELINE_NAMES = {"nearest": "Nearest mention", "head_match": "Head-word match",
                  "rule_based": "Rule-based (sieves)"}


def table_rows(data: SiteData, page: str) -> list[dict[str, Any]]:
    """Table 2: the best head, then the baselines; each with accuracy, interval and by type."""
    doc = data.get("coref")
    rows = []
    best = doc.get("best")
    if best:
        name = head_label(best["layer"], best["head"])
        target = link(page, head_page(best["layer"], best["head"]))
        rows.append({"name": f"Best head [{name}]({target})", **_summary(best)})
    for key, title in BASELINE_NAMES.items():
        if key in doc.get("baselines", {}):
            rows.append({"name": title, **_summary(doc["baselines"][key])})
    return rows


def _summary(entry: dict[str, Any]) -> dict[str, Any]:
    by_type = entry.get("by_type", {})
    return {"all": entry.get("accuracy"), "ci": entry.get("ci"),
            **{t: by_type.get(t, {}).get("accuracy") for t in TYPES}}


EARLIER = ("a mention is earlier than another when it ends before the other starts; a mention "
           "that starts before another but overlaps it is not earlier")
NEAREST = "the earlier mention with the latest head word"


def definitions(doc: dict[str, Any]) -> dict[str, Any]:
    """What "earlier" and "nearest" mean (results written before coref.json stated "earlier" get
    the rule the analysis has always used) and how many mentions "earlier" leaves unscored
    because their entity's only preceding mentions overlap them (None when not counted)."""
    rules = doc.get("rules", {})
    return {"earlier": rules.get("earlier", EARLIER), "nearest": rules.get("nearest", NEAREST),
            "overlapped_only": doc.get("mentions_overlapped_only")}


def rank(data: SiteData, layer: int, head: int, kind: str = "all") -> int | None:
    """1 = the head with the highest coreference accuracy of that kind (ties share the rank)."""
    grid = data.get("coref").get("accuracy", {}).get(kind)
    if not grid or grid[layer][head] is None:
        return None
    mine = grid[layer][head]
    return 1 + sum(1 for row in grid for v in row if v is not None and v > mine)


def passage_html(example: dict[str, Any]) -> str:
    """The example's words as one HTML block: mentions in brackets with their entity number,
    the pronoun and the head's predicted word highlighted, every candidate shaded by the
    attention the pronoun gives it. Words are escaped; nothing else comes from the corpus."""
    words = example["words"]
    weights = {c["word"]: c["weight"] for c in example["candidates"]}
    gold = {c["word"] for c in example["candidates"] if c["gold"]}
    top = max(weights.values(), default=0.0) or 1.0
    opens: dict[int, list[dict[str, Any]]] = {}
    closes: dict[int, list[dict[str, Any]]] = {}
    for m in example["mentions"]:
        opens.setdefault(m["start"], []).append(m)
        closes.setdefault(m["end"], []).append(m)
    starts = set(example.get("sentence_starts", [])) - {0}
    parts: list[str] = []
    for i, word in enumerate(words):
        if i in starts:
            parts.append('<span class="ha-sentence-break">|</span>')
        for m in sorted(opens.get(i, []), key=lambda m: -m["end"]):
            parts.append(f'<span class="ha-bracket ha-e{m["entity"] % 8}">[</span>')
        classes = ["ha-word"]
        title = ""
        style = ""
        if i == example["pronoun_word"]:
            classes.append("ha-pronoun")
            title = "the pronoun"
        elif i in weights:
            classes.append("ha-candidate")
            share = weights[i] / top
            style = f' style="--ha-w:{share:.2f}"'
            title = f"candidate: attention {weights[i]:.3f}"
            if i == example["predicted_word"]:
                classes.append("ha-predicted")
                title = f"the head's choice: attention {weights[i]:.3f}"
            if i in gold:
                classes.append("ha-gold")
                title += " (an antecedent)"
        title_attr = f' title="{title}"' if title else ""
        parts.append(f'<span class="{" ".join(classes)}"{title_attr}{style}>{text(word)}</span>')
        for m in sorted(closes.get(i, []), key=lambda m: m["start"], reverse=True):
            parts.append(f'<span class="ha-bracket ha-e{m["entity"] % 8}">]'
                         f'<sub>{m["entity"]}</sub></span>')
    return '<div class="ha-passage">' + " ".join(parts) + "</div>"


def example_words(example: dict[str, Any]) -> dict[str, str]:
    """The pronoun, the predicted word and the nearest gold antecedent, escaped for Markdown."""
    words = example["words"]
    gold = [c["word"] for c in example["candidates"] if c["gold"]]
    return {"pronoun": text(words[example["pronoun_word"]]),
            "predicted": text(words[example["predicted_word"]]),
            "antecedent": text(words[max(gold)]) if gold else ""}


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
                      **{t: accuracy[t][layer][head] for t in TYPES},
                      "url": html_url(page, head_page(layer, head))})
    size = cell_size(data.num_heads)
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


def page_charts(data: SiteData, page: str) -> dict[str, Any]:
    example = data.get("coref").get("example")
    charts = {"accuracy": accuracy_heatmap(data, page)}
    if example:
        charts["example"] = example_attention(example)
    return charts


def findings(data: SiteData, page: str) -> list[str]:
    """The best head's accuracy against the nearest-mention baseline."""
    best = data.get("coref").get("best")
    if not best:
        return []
    nearest = data.get("coref").get("baselines", {}).get("nearest", {}).get("accuracy")
    tail = f" (nearest-mention baseline: {nearest:.0%})" if nearest is not None else ""
    return [f"The best coreference head, {head_link(page, best['layer'], best['head'])}, "
            f"links {best['accuracy']:.0%} of mentions to a correct antecedent{tail}."]


VIEW = View("coref", title="Coreference", page_charts=page_charts, findings=findings,
            globals={"coref_view": module(__name__)})
