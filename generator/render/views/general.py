"""The view of general.json: surface statistics and entropy of every head (paper section 3).

Charts (the metrics by layer, the home page's overview map, a head's and a layer's profiles),
the home page's findings and its threshold counts. ``SiteData`` itself reads these metrics for
every page (``profile``, ``summary``, ``rank``).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt

from generator.render.chart_kit import HEIGHT, WIDTH, cell_size, layer_points, named, to_spec
from generator.render.names import head_label, head_link, head_page, html_url
from generator.render.site_data import SiteData, grid_top
from generator.render.views.base import View
from generator.vocabulary import METRIC_NAMES, TARGETS

TARGET_ORDER = [*TARGETS, "other"]
TARGET_LABELS = {**{k: METRIC_NAMES[k] for k in TARGETS}, "other": "other (non-adjacent) tokens"}
CATEGORY_COLORS = {
    "prev": "#1f77b4", "self": "#9467bd", "next": "#17becf", "cls": "#d62728",
    "sep": "#ff7f0e", "punct": "#2ca02c", "other": "#b5b5b5", "broad": "#bcbd22",
    "mixed": "#7f7f7f",
}
CATEGORY_LABELS = {**TARGET_LABELS, "broad": "broad", "mixed": "mixed"}
PAPER_THRESHOLDS = {"next": 0.5, "prev": 0.5, "cls": 0.6, "sep": 0.6, "punct": 0.6}
"""The paper's thresholds for calling a head a next/previous/[CLS]/[SEP]/punctuation head."""
BROAD_ENTROPY = 3.8
"""The paper's threshold (nats) for a broad head."""


def _color(keys: list[str]) -> alt.Color:
    return alt.Color("target:N", title=None,
                     scale=alt.Scale(domain=[CATEGORY_LABELS[k] for k in keys],
                                     range=[CATEGORY_COLORS[k] for k in keys]),
                     legend=alt.Legend(orient="top"))


def by_layer(data: SiteData, metrics: list[str], page: str, *, title: str, y_title: str,
             reference: float | None = None, reference_label: str = "") -> dict[str, Any]:
    """Every head as a point and each layer's mean as a line, for one or more metrics.

    The line is the mean of the points drawn, to 4 digits (not general.json's ``layer_means``:
    those are already rounded to 6, and rounding twice can move the 4th digit)."""
    names = [METRIC_NAMES.get(m, m) for m in metrics]
    grids = {name: data.metrics[m] for name, m in zip(names, metrics, strict=True)}
    points, means = layer_points(grids, page, mean_digits=4)
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
    size = cell_size(data.num_heads)
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


def page_charts(data: SiteData, page: str) -> dict[str, Any]:
    uniform = data.uniform_entropy()
    return {
        "special": by_layer(data, ["cls", "sep", "punct"], page,
                            title="Attention to special tokens and punctuation by layer",
                            y_title="average share of attention"),
        "sep_sep": by_layer(data, ["sep_sep", "rest_sep"], page,
                            title="Attention to [SEP] from [SEP] and from other tokens",
                            y_title="average share of attention"),
        "offsets": by_layer(data, ["prev", "self", "next"], page,
                            title="Attention to the previous, same and next token",
                            y_title="average share of attention"),
        "entropy": by_layer(data, ["entropy"], page, title="Attention entropy by layer",
                            y_title="entropy (nats)", reference=uniform,
                            reference_label="uniform attention"),
        "cls_entropy": by_layer(data, ["cls_entropy"], page,
                                title="Entropy of the [CLS] token's attention by layer",
                                y_title="entropy (nats)", reference=uniform,
                                reference_label="uniform attention"),
    }


def home_charts(data: SiteData, page: str) -> dict[str, Any]:
    return {"overview": overview_map(data, page)}


def layer_charts(data: SiteData, layer: int, page: str) -> dict[str, Any]:
    return {"profiles": layer_profiles(data, layer, page)}


def head_charts(data: SiteData, layer: int, head: int, page: str) -> dict[str, Any]:
    return {"profile": head_profile(data, layer, head)}


def _peak(means: list[float]) -> int:
    """The layer with the largest mean (the first on ties)."""
    return max(range(len(means)), key=lambda i: (means[i], -i))


def findings(data: SiteData, page: str) -> list[str]:
    """Sentences about the model's heads, most telling first: where attention to [SEP], [CLS]
    and punctuation peaks (general.json's layer means), the strongest previous/next/same-token
    heads, the broadest head, [CLS] entropy in the last layer, [SEP] to [SEP]."""
    out: list[str] = []
    m = data.metrics
    for metric in ("sep", "cls", "punct"):
        if metric not in m:
            continue
        means = data.layer_means(metric)
        top = _peak(means)
        over_half = [i for i, v in enumerate(means) if v > 0.5]
        sentence = (f"Attention to {TARGETS[metric]} peaks in layer {top}, where heads give it "
                    f"{means[top]:.0%} of their attention on average")
        if over_half:
            sentence += (f"; it takes over half of all attention in layer"
                         f"{'s' if len(over_half) > 1 else ''} "
                         f"{', '.join(str(i) for i in over_half)}")
        out.append(sentence + ".")
    for metric, name in (("prev", "previous"), ("next", "next"), ("self", "same")):
        if metric in m:
            layer, head = grid_top(m[metric])
            count = sum(1 for lh in data.heads() if m[metric][lh[0]][lh[1]] > 0.5)
            out.append(f"The strongest {name}-token head is {head_link(page, layer, head)}, "
                       f"with {m[metric][layer][head]:.0%} of its attention on the {name} "
                       f"token; {count} head{'s' if count != 1 else ''} put over half there.")
    if "entropy" in m:
        layer, head = grid_top(m["entropy"])
        broad = sum(1 for lh in data.heads() if m["entropy"][lh[0]][lh[1]] > BROAD_ENTROPY)
        uniform = data.uniform_entropy()
        tail = f" (uniform attention: {uniform:.2f} nats)" if uniform else ""
        out.append(f"The broadest head is {head_link(page, layer, head)}, with an entropy of "
                   f"{m['entropy'][layer][head]:.2f} nats{tail}; {broad} of {data.total_heads} "
                   f"heads exceed the paper's {BROAD_ENTROPY} nats.")
    if "cls_entropy" in m:
        last = data.layer_means("cls_entropy")[-1]
        out.append(f"In the last layer the [CLS] token's attention has an entropy of {last:.2f} "
                   f"nats on average (the paper measured 3.89 for BERT-base).")
    if "sep_sep" in m:
        means = data.layer_means("sep_sep")
        top = _peak(means)
        out.append(f"[SEP] tokens attend to [SEP] most in layer {top} ({means[top]:.0%}).")
    return out


def behaviour_counts(data: SiteData) -> list[tuple[str, int]]:
    """How many heads pass each of the paper's thresholds, for the home page table."""
    m = data.metrics
    rows = []
    for metric, threshold in PAPER_THRESHOLDS.items():
        if metric in m:
            rows.append((f"{METRIC_NAMES[metric]} > {threshold:.0%}",
                         sum(1 for lh in data.heads() if m[metric][lh[0]][lh[1]] > threshold)))
    if "entropy" in m:
        rows.append((f"broad (entropy > {BROAD_ENTROPY} nats)",
                     sum(1 for lh in data.heads() if m["entropy"][lh[0]][lh[1]] > BROAD_ENTROPY)))
    return rows


VIEW = View("general", title="General statistics", page_charts=page_charts,
            layer_charts=layer_charts, head_charts=head_charts, home_charts=home_charts,
            findings=findings,
            globals={"METRIC_NAMES": METRIC_NAMES, "behaviour_counts": behaviour_counts})
