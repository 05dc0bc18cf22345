"""The view of general.json: surface statistics and entropy of every head (paper section 3).

Charts (the metrics by layer, the home page's overview map, a head's and a layer's profiles),
the home page's findings and its threshold counts. ``SiteData`` itself reads these metrics for
every page (``profile``, ``summary``, ``rank``).

A decoder's general.json (``SiteData.is_decoder``, SPEC section 11) has other metrics (position 0,
the sink; previous and same token; "." and ","; entropy and normalised entropy) and adds the
attention sinks (``sinks``: rate per layer, BOS or position 0) and the induction and duplicate
scores (``induction``), which get a page of their own (``analyses/induction.md``, an extra page
of this view). Its charts, findings and templates (``templates/general/*-decoder.md.j2``) speak of
these and never of [CLS] or [SEP].
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt

from generator.render.chart_kit import (
    HEIGHT,
    WIDTH,
    cell_size,
    grid_heatmaps,
    head_url,
    layer_points,
    named,
    to_spec,
)
from generator.render.names import head_label, head_link, head_page, html_url, link
from generator.render.site_data import SiteData, grid_rank, grid_top
from generator.render.views.base import ExtraPage, View, module
from generator.vocabulary import METRIC_NAMES

OTHER_LABEL = "other (non-adjacent) tokens"
CATEGORY_COLORS = {
    "prev": "#1f77b4", "self": "#9467bd", "next": "#17becf", "first": "#d62728",
    "cls": "#d62728", "sep": "#ff7f0e", "punct": "#2ca02c", "other": "#b5b5b5",
    "broad": "#bcbd22", "mixed": "#7f7f7f",
}
"""The colour of each kind of target (a decoder's position 0 takes [CLS]'s: never both)."""


def target_order(data: SiteData) -> list[str]:
    """The targets of a head's profile, then "other"."""
    return [*data.targets, "other"]


def target_labels(data: SiteData) -> dict[str, str]:
    """Each profile target as legends name it."""
    return {**{k: data.metric_names[k] for k in data.targets}, "other": OTHER_LABEL}


def category_labels(data: SiteData) -> dict[str, str]:
    """The overview map's categories: the targets, "broad" and "mixed"."""
    return {**target_labels(data), "broad": "broad", "mixed": "mixed"}
PAPER_THRESHOLDS = {"next": 0.5, "prev": 0.5, "cls": 0.6, "sep": 0.6, "punct": 0.6}
"""The paper's thresholds for calling a head a next/previous/[CLS]/[SEP]/punctuation head."""
BROAD_ENTROPY = 3.8
"""The paper's threshold (nats) for a broad head."""


def _color(keys: list[str], labels: dict[str, str]) -> alt.Color:
    return alt.Color("target:N", title=None,
                     scale=alt.Scale(domain=[labels[k] for k in keys],
                                     range=[CATEGORY_COLORS[k] for k in keys]),
                     legend=alt.Legend(orient="top"))


def by_layer(data: SiteData, metrics: list[str], page: str, *, title: str, y_title: str,
             reference: float | None = None, reference_label: str = "") -> dict[str, Any]:
    """Every head as a point and each layer's mean as a line, for one or more metrics.

    The line is the mean of the points drawn, to 4 digits (not general.json's ``layer_means``:
    those are already rounded to 6, and rounding twice can move the 4th digit)."""
    names = [data.metric_names.get(m, m) for m in metrics]
    grids = {name: data.metrics[m] for name, m in zip(names, metrics, strict=True)}
    points, means = layer_points(grids, page, mean_digits=4)
    color = alt.Color("target:N", title=None, sort=names, legend=alt.Legend(orient="top"))
    x = alt.X("layer:O", title="layer (0-based)", axis=alt.Axis(labelAngle=0))
    y = alt.Y("value:Q", title=y_title)
    dots = alt.Chart(named("points")).transform_calculate(url=head_url(page)).mark_circle(
        size=40, opacity=0.55).encode(
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
"""The overview map's cell labels (a decoder's position 0: ``short_names``)."""


def short_names(data: SiteData) -> dict[str, str]:
    """``SHORT``, with a decoder's position 0 as "BOS" or "pos 0"."""
    if not data.is_decoder:
        return SHORT
    return {**SHORT, "first": "BOS" if data.position0_is_bos else "pos 0"}


def overview_map(data: SiteData, page: str) -> dict[str, Any]:
    """A layer x head grid: each cell a head, coloured by where most of its attention goes."""
    cells = []
    labels, targets, short = category_labels(data), target_labels(data), short_names(data)
    for layer, head in data.heads():
        key, share = data.profile(layer, head)[0]
        kind = "broad" if data.is_broad(layer, head) else key
        cells.append({"layer": layer, "head": head, "name": head_label(layer, head),
                      "target": labels[kind], "share": round(share, 3),
                      "label": f"{short[key]} {share * 100:.0f}",
                      "top": f"{targets[key]} {share:.0%}",
                      "summary": data.summary(layer, head),
                      "url": html_url(page, head_page(layer, head))})
    keys = [k for k in CATEGORY_COLORS
            if k in labels and any(c["target"] == labels[k] for c in cells)]
    size = cell_size(data.num_heads)
    base = alt.Chart(named("cells")).encode(
        x=alt.X("head:O", title="head (0-based)", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("layer:O", title="layer (0-based)"))
    rects = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=_color(keys, labels), opacity=alt.Opacity("share:Q", scale=alt.Scale(domain=[0, 1],
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
    order, labels = target_order(data), target_labels(data)
    mean_profile = {k: 0.0 for k in order}
    for other in range(data.num_heads):
        for key, share in data.profile(layer, other):
            mean_profile[key] += share / data.num_heads
    for key, share in data.profile(layer, head):
        rows.append({"target": labels[key], "share": round(share, 4),
                     "layer_mean": round(mean_profile[key], 4)})
    spec = json.loads(_profile_skeleton(len(rows), tuple(order),
                                        tuple(labels[k] for k in order)))
    spec["title"] = f"Where {head_label(layer, head)}'s attention goes (ticks: layer {layer} mean)"
    spec["datasets"] = {"rows": rows}
    return spec


@lru_cache(maxsize=4)
def _profile_skeleton(bars: int, keys: tuple[str, ...], names: tuple[str, ...]) -> str:
    """The head profile chart without data or title, built once (altair is slow to build);
    ``keys`` the targets in order and ``names`` their labels."""
    order = list(names)
    base = alt.Chart(named("rows"))
    y = alt.Y("target:N", sort=order, title=None)
    bars_mark = base.mark_bar().encode(
        y=y, x=alt.X("share:Q", title="share of attention", scale=alt.Scale(domain=[0, 1]),
                     axis=alt.Axis(format="%")),
        color=alt.Color("target:N", legend=None,
                        scale=alt.Scale(domain=order,
                                        range=[CATEGORY_COLORS[k] for k in keys])),
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
    keys, labels = target_order(data), target_labels(data)
    for head in range(data.num_heads):
        for key, share in data.profile(layer, head):
            rows.append({"head": head_label(layer, head), "target": labels[key],
                         "order": keys.index(key), "share": round(share, 4),
                         "url": html_url(page, head_page(layer, head))})
    order = [labels[k] for k in keys]
    chart = alt.Chart(named("rows")).mark_bar().encode(
        x=alt.X("head:N", sort=[head_label(layer, h) for h in range(data.num_heads)],
                title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", stack="zero", title="share of attention",
                axis=alt.Axis(format="%")),
        color=alt.Color("target:N", title=None, sort=order,
                        scale=alt.Scale(domain=order,
                                        range=[CATEGORY_COLORS[k] for k in keys]),
                        legend=alt.Legend(orient="top")),
        order=alt.Order("order:Q"), href="url:N",
        tooltip=[alt.Tooltip("head:N"), alt.Tooltip("target:N"),
                 alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=max(WIDTH, 48 * data.num_heads), height=HEIGHT,
                 title=f"Layer {layer}: where each head's attention goes")
    return to_spec(chart, {"rows": rows})


def page_charts(data: SiteData, page: str) -> dict[str, Any]:
    if data.is_decoder:
        return decoder_page_charts(data, page)
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



# ---- decoders (SPEC section 11)

VERDICT_NAMES = {"bos": "the BOS token", "position 0": "position 0", "mixed": "mixed"}
"""general.json's ``sinks.position`` verdicts in prose (None: no sink head)."""
VERDICT_COLORS = {"the BOS token": "#ff7f0e", "position 0": "#d62728", "mixed": "#7f7f7f",
                  "no sink": "#b5b5b5"}
DECODER_THRESHOLDS = {"prev": 0.5, "first": 0.6, "punct": 0.6}
"""SPEC section 11's label thresholds on general metrics: previous-token, sink, punctuation."""
DECODER_BROAD = 0.8
"""SPEC section 11: a decoder head is broad above this normalised entropy."""
INDUCTION_THRESHOLD = 0.4
"""SPEC section 11: an induction (duplicate) head scores above this."""
INDUCTION_PAGE = "analyses/induction.md"
INDUCTION_WHAT = {
    "induction": "the token that followed the earlier occurrence of the current token",
    "duplicate": "the earlier occurrence of the current token",
}
"""Where each synthetic-sequence score measures attention going, in prose."""


def verdict_name(verdict: str | None) -> str:
    """A ``sinks.position`` verdict in prose ("no sink" for None)."""
    return VERDICT_NAMES.get(verdict, verdict) if verdict is not None else "no sink"


def sink_rate_chart(data: SiteData, page: str) -> dict[str, Any]:
    """The share of heads with a sink in each layer (bars, coloured by where the layer's sinks
    are, BOS token or position 0, when that was measured) and overall (dashed line)."""
    sinks = data.get("general")["sinks"]
    position = sinks.get("position") or {}
    verdicts = position.get("layer_verdict") or [None] * len(sinks["layer_rate"])
    rows = [{"layer": layer, "rate": rate, "sinks": sum(sinks["has_sink"][layer]),
             "heads": len(sinks["has_sink"][layer]), "sink": verdict_name(verdict)}
            for layer, (rate, verdict) in enumerate(zip(sinks["layer_rate"], verdicts,
                                                        strict=True))]
    tooltip = [alt.Tooltip("layer:O"), alt.Tooltip("rate:Q", format=".0%", title="sink rate"),
               alt.Tooltip("sinks:Q", title="heads with a sink"), alt.Tooltip("heads:Q")]
    if position:
        kinds = [k for k in VERDICT_COLORS if any(r["sink"] == k for r in rows)]
        color: Any = alt.Color("sink:N", title="the sink is",
                               scale=alt.Scale(domain=kinds,
                                               range=[VERDICT_COLORS[k] for k in kinds]),
                               legend=alt.Legend(orient="top"))
        tooltip.append(alt.Tooltip("sink:N", title="the sink is"))
    else:
        color = alt.value("#d62728")
    bars = alt.Chart(named("rows")).mark_bar().encode(
        x=alt.X("layer:O", title="layer (0-based)", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("rate:Q", title="share of heads with a sink", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=color, tooltip=tooltip)
    overall = alt.Chart(named("overall")).mark_rule(strokeDash=[4, 4], color="#888").encode(
        y="rate:Q", tooltip=[alt.Tooltip("rate:Q", format=".0%", title="all heads")])
    chart = alt.layer(bars, overall).properties(
        width=WIDTH, height=HEIGHT,
        title=f"Heads with an attention sink (over {sinks['threshold']:.0%} of their attention "
              f"on {data.metric_names['first']}) by layer; dashed: all heads")
    return to_spec(chart, {"rows": rows, "overall": [{"rate": sinks["rate"]}]})


def sink_position_chart(data: SiteData, page: str) -> dict[str, Any]:
    """Every head's attention to position 0 with the BOS token (x) and without it (y), coloured
    by its verdict; dashed: the sink threshold."""
    position = data.get("general")["sinks"]["position"]
    points = []
    for layer, head in data.heads():
        points.append({"head": head_label(layer, head),
                       "with": position["with_bos"][layer][head],
                       "without": position["without_bos"][layer][head],
                       "sink": verdict_name(position["verdict"][layer][head]),
                       "url": html_url(page, head_page(layer, head))})
    kinds = [k for k in VERDICT_COLORS if any(p["sink"] == k for p in points)]
    unit = alt.Scale(domain=[0, 1])
    dots = alt.Chart(named("points")).mark_circle(size=60, opacity=0.75).encode(
        x=alt.X("with:Q", title="attention to position 0, segments with the BOS token",
                scale=unit, axis=alt.Axis(format="%")),
        y=alt.Y("without:Q", title="... without it", scale=unit, axis=alt.Axis(format="%")),
        color=alt.Color("sink:N", title="the sink is",
                        scale=alt.Scale(domain=kinds, range=[VERDICT_COLORS[k] for k in kinds]),
                        legend=alt.Legend(orient="top")),
        href="url:N",
        tooltip=[alt.Tooltip("head:N"), alt.Tooltip("with:Q", format=".1%", title="with BOS"),
                 alt.Tooltip("without:Q", format=".1%", title="without BOS"),
                 alt.Tooltip("sink:N", title="the sink is")])
    threshold = [{"value": position["threshold"]}]
    vertical = alt.Chart(named("threshold")).mark_rule(strokeDash=[4, 4], color="#888").encode(
        x="value:Q")
    horizontal = alt.Chart(named("threshold")).mark_rule(strokeDash=[4, 4], color="#888").encode(
        y="value:Q")
    chart = alt.layer(dots, vertical, horizontal).properties(
        width=HEIGHT + 60, height=HEIGHT + 60,
        title="Is the sink the BOS token or position 0? (click a head for its page)")
    return to_spec(chart, {"points": points, "threshold": threshold})


def decoder_page_charts(data: SiteData, page: str) -> dict[str, Any]:
    """A decoder's general page: position 0 and punctuation, the sinks, previous and same token,
    entropy and normalised entropy, by layer."""
    general = data.get("general")
    reference = general.get("reference", {})
    charts = {
        "sink": by_layer(data, ["first", "punct"], page,
                         title=f"Attention to {data.metric_names['first']} and punctuation "
                               f"by layer",
                         y_title="average share of attention"),
        "offsets": by_layer(data, ["prev", "self"], page,
                            title="Attention to the previous and same token",
                            y_title="average share of attention"),
        "entropy": by_layer(data, ["entropy"], page, title="Attention entropy by layer",
                            y_title="entropy (nats)", reference=reference.get("uniform_entropy"),
                            reference_label="evenly spread attention"),
        "entropy_normalised": by_layer(
            data, ["entropy_normalised"], page,
            title="Normalised entropy by layer (1 = spread evenly over the visible tokens)",
            y_title="normalised entropy",
            reference=reference.get("uniform_entropy_normalised"),
            reference_label="evenly spread attention"),
    }
    if "sinks" in general:
        charts["sink_rate"] = sink_rate_chart(data, page)
        if general["sinks"].get("position"):
            charts["sink_position"] = sink_position_chart(data, page)
    return charts


def induction_charts(data: SiteData, page: str) -> dict[str, Any]:
    """The induction page's heatmaps: both synthetic-sequence scores of every head."""
    induction = data.get("general")["induction"]
    names = data.metric_names
    return {"scores": grid_heatmaps({names[k]: induction[k] for k in INDUCTION_WHAT},
                                    page, title="Induction and duplicate-token scores of every "
                                                "head (click a cell for its page)",
                                    value_title="score")}


def extra_pages(data: SiteData) -> list[ExtraPage]:
    """A decoder's induction and duplicate heads (general.json ``induction``) on a page of
    their own."""
    if not data.is_decoder or "induction" not in data.get("general"):
        return []
    return [ExtraPage(INDUCTION_PAGE, "induction.md.j2", "Induction and duplicate heads", {},
                      charts=induction_charts(data, INDUCTION_PAGE))]


def score_rank(data: SiteData, key: str, layer: int, head: int) -> tuple[float, int] | None:
    """A head's induction or duplicate score (general.json ``induction``) and its rank among
    all heads (1 = highest); None without the synthetic sequences."""
    grid = data.get("general").get("induction", {}).get(key)
    if grid is None:
        return None
    return grid[layer][head], grid_rank(grid, layer, head)


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
    out: list[str] = decoder_sink_sentences(data) if data.is_decoder else []
    m = data.metrics
    for metric in ("first", "punct") if data.is_decoder else ("sep", "cls", "punct"):
        if metric not in m:
            continue
        means = data.layer_means(metric)
        top = _peak(means)
        over_half = [i for i, v in enumerate(means) if v > 0.5]
        sentence = (f"Attention to {data.targets[metric]} peaks in layer {top}, where heads give "
                    f"it {means[top]:.0%} of their attention on average")
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
    if data.is_decoder:
        return out + decoder_findings(data, page)
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


def _layers(layers: list[int]) -> str:
    """ "layer 3", "layers 3 and 5", "layers 1, 3 and 5"."""
    if len(layers) == 1:
        return f"layer {layers[0]}"
    return f"layers {', '.join(map(str, layers[:-1]))} and {layers[-1]}"


def sink_position_sentence(data: SiteData) -> str | None:
    """Whether the sink is the BOS token or position 0 (general.json ``sinks.position``: the
    same segments without BOS), with the layers whose sink heads say otherwise."""
    general = data.get("general")
    position = general.get("sinks", {}).get("position")
    if not position or position.get("overall") is None:
        return None
    counts, threshold = position["counts"], position["threshold"]
    sinks = counts["bos"] + counts["position 0"]
    segments = general.get("no_bos", {}).get("segments", "?")
    kept = counts["position 0"]
    sentence = (f"Without the BOS token ({segments} of the segments, each starting with its first "
                f"word), {kept} of the {sinks} sink head{'s' if sinks != 1 else ''} still give"
                f"{'s' if kept == 1 else ''} over {threshold:.0%} of their attention to position "
                f"0 and {counts['bos']} lose{'s' if counts['bos'] == 1 else ''} it: ")
    overall = position["overall"]
    sentence += {
        "position 0": "the sink is position 0, whatever token is there, not the BOS token (as "
                      "Xiao et al. 2023 found)",
        "bos": "the sink goes with the BOS token, not with position 0",
        "mixed": "as many sink heads follow the BOS token as stay on position 0",
    }[overall]
    others: dict[str, list[int]] = {}
    for layer, verdict in enumerate(position["layer_verdict"]):
        if verdict is not None and verdict != overall:
            others.setdefault(verdict, []).append(layer)
    if others:
        sentence += ", except in " + " and ".join(
            f"{_layers(layers)} ({'mixed' if v == 'mixed' else verdict_name(v)})"
            for v, layers in others.items())
    correlation = position.get("correlation")
    if correlation is not None:
        sentence += (f"; over all heads the two measures of attention to position 0 correlate "
                     f"at {correlation:.2f}")
    return sentence + "."


def decoder_sink_sentences(data: SiteData) -> list[str]:
    """The sink rate (overall and per layer) and whether the sink is BOS or position 0."""
    sinks = data.get("general").get("sinks")
    if not sinks:
        return []
    rates = ", ".join(f"{rate:.0%}" for rate in sinks["layer_rate"])
    last = len(sinks["layer_rate"]) - 1
    out = [f"{sinks['count']} of {sinks['heads']} heads ({sinks['rate']:.0%}) have an attention "
           f"sink: over {sinks['threshold']:.0%} of their attention goes to "
           f"{data.targets['first']}. The sink rate by layer (0 to {last}): {rates}."]
    position = sink_position_sentence(data)
    return out + ([position] if position else [])


def decoder_findings(data: SiteData, page: str) -> list[str]:
    """The broadest head (normalised entropy) and the strongest induction and duplicate heads."""
    out = []
    m = data.metrics
    if "entropy_normalised" in m:
        grid = m["entropy_normalised"]
        layer, head = grid_top(grid)
        broad = sum(1 for lh in data.heads() if grid[lh[0]][lh[1]] > DECODER_BROAD)
        out.append(f"The broadest head is {head_link(page, layer, head)}, with a normalised "
                   f"entropy of {grid[layer][head]:.2f} (1 = attention spread evenly over the "
                   f"tokens it can see); {broad} of {data.total_heads} heads exceed "
                   f"{DECODER_BROAD}.")
    induction = data.get("general").get("induction")
    if induction:
        uniform = induction.get("reference", {}).get("uniform")
        tail = f" (evenly spread attention: {uniform:.1%})" if uniform is not None else ""
        for key, what in INDUCTION_WHAT.items():
            top = induction["top_heads"][key][0]
            count = sum(1 for row in induction[key] for v in row if v > INDUCTION_THRESHOLD)
            kind = "induction" if key == "induction" else "duplicate-token"
            out.append(f"The strongest {kind} head is "
                       f"{head_link(page, top['layer'], top['head'])}: on repeated random "
                       f"tokens it gives {top['score']:.0%} of its attention to {what}{tail}; "
                       f"{count} head{'s' if count != 1 else ''} score"
                       f"{'s' if count == 1 else ''} over {INDUCTION_THRESHOLD:.0%} "
                       f"([induction and duplicate heads]({link(page, INDUCTION_PAGE)})).")
    return out


def behaviour_counts(data: SiteData) -> list[tuple[str, int]]:
    """How many heads pass each of the paper's thresholds, for the home page table (a decoder:
    the thresholds of SPEC section 11, and the sink rule)."""
    if data.is_decoder:
        return decoder_behaviour_counts(data)
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


def decoder_behaviour_counts(data: SiteData) -> list[tuple[str, int]]:
    """How many decoder heads pass each label threshold of SPEC section 11, and have a sink."""
    m, names = data.metrics, data.metric_names

    def above(grid: list[list[float]], threshold: float) -> int:
        return sum(1 for row in grid for v in row if v > threshold)

    rows = [(f"{names[metric]} > {threshold:.0%}", above(m[metric], threshold))
            for metric, threshold in DECODER_THRESHOLDS.items() if metric in m]
    if "entropy_normalised" in m:
        rows.append((f"broad (normalised entropy > {DECODER_BROAD})",
                     above(m["entropy_normalised"], DECODER_BROAD)))
    induction = data.get("general").get("induction", {})
    rows += [(f"{names[key]} > {INDUCTION_THRESHOLD:.0%}",
              above(induction[key], INDUCTION_THRESHOLD))
             for key in INDUCTION_WHAT if key in induction]
    sinks = data.get("general").get("sinks")
    if sinks:
        rows.append((f"has a sink: {names['first']} > {sinks['threshold']:.0%}",
                     int(sinks["count"])))
    return rows


VIEW = View("general", title="General statistics", page_charts=page_charts,
            layer_charts=layer_charts, head_charts=head_charts, home_charts=home_charts,
            extra_pages=extra_pages, findings=findings,
            globals={"METRIC_NAMES": METRIC_NAMES, "behaviour_counts": behaviour_counts,
                     "general_view": module(__name__)})
