"""The view of norms.json: norm-based attention (Kobayashi et al. 2020) beside the raw weights.

Each chart puts a share of attention (general.json's raw ``layer_means`` or ``metrics``) next to
the same share once every weight is scaled by the norm of the vector it moves (norms.json's
``norm_<metric>``), so the gap shows at a glance. The home page's finding gives, per layer, how
much the special tokens' share ([CLS] + [SEP]; a decoder's position 0) shrinks, and follows the
gradient sentence (``VIEWS`` order), the other test of the same no-op question.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from generator.render.chart_kit import HEIGHT, WIDTH, named, to_spec
from generator.render.names import head_label
from generator.render.site_data import SiteData
from generator.render.views.base import View

ENCODER_SHOWN = ("cls", "sep", "punct", "self", "prev", "next")
DECODER_SHOWN = ("first", "punct", "self", "prev")
ENCODER_SPECIAL = ("cls", "sep")
DECODER_SPECIAL = ("first",)
VIEWS_OF = ("raw", "norm-based")


def shown_metrics(data: SiteData) -> dict[str, str]:
    """The metrics norms.json recomputes that the pages show, as general.json's tables name
    them, in page order (only those both files have)."""
    shown = DECODER_SHOWN if data.is_decoder else ENCODER_SHOWN
    raw = data.get("general").get("metrics", {})
    norm = data.get("norms").get("metrics", {})
    return {m: data.metric_names[m] for m in shown if m in raw and f"norm_{m}" in norm}


def _layer_means(doc: dict[str, Any], key: str) -> list[float]:
    means = doc.get("layer_means", {}).get(key)
    if means is not None:
        return means
    grid = doc["metrics"][key]
    return [sum(row) / len(row) for row in grid]


def special_shares(data: SiteData) -> tuple[list[float], list[float]]:
    """Per layer, the mean share of the special tokens ([CLS] + [SEP]; a decoder's position 0),
    raw and norm-based."""
    special = DECODER_SPECIAL if data.is_decoder else ENCODER_SPECIAL
    general, norms = data.get("general"), data.get("norms")
    layers = len(general["metrics"][special[0]])
    raw = [sum(_layer_means(general, m)[k] for m in special) for k in range(layers)]
    norm = [sum(_layer_means(norms, f"norm_{m}")[k] for m in special) for k in range(layers)]
    return raw, norm


def group_names(data: SiteData) -> dict[str, str]:
    """norms.json's ``value_norm`` groups as the pages name them, in page order."""
    names = {"cls": "[CLS]", "sep": "[SEP]", "first": data.metric_names.get("first", ""),
             "punct": '"." or ","', "other": "other tokens"}
    groups = data.get("norms").get("value_norm", {})
    return {g: names[g] for g in names if g in groups}


def special_name(data: SiteData) -> str:
    if not data.is_decoder:
        return "[CLS] and [SEP]"
    return "the sink (the BOS token at position 0)" if data.position0_is_bos else \
        "the sink (position 0)"


def _bars(rows: list[dict[str, Any]], title: str, width: int) -> dict[str, Any]:
    """Raw and norm-based bars side by side for each metric."""
    chart = alt.Chart(named("shares")).mark_bar().encode(
        x=alt.X("metric:N", sort=None, title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("view:N", sort=list(VIEWS_OF)),
        y=alt.Y("value:Q", title="share of attention", axis=alt.Axis(format="%")),
        color=alt.Color("view:N", sort=list(VIEWS_OF), title=None,
                        scale=alt.Scale(domain=list(VIEWS_OF), range=["#4c78a8", "#f58518"])),
        tooltip=[alt.Tooltip("metric:N"), alt.Tooltip("view:N"),
                 alt.Tooltip("value:Q", format=".1%")],
    ).properties(width=width, height=HEIGHT, title=title)
    return to_spec(chart, {"shares": rows})


def page_charts(data: SiteData, page: str) -> dict[str, Any]:
    """Per layer, the raw and the norm-based layer mean of each shown share (solid vs dashed)."""
    general, norms = data.get("general"), data.get("norms")
    rows = []
    for metric, name in shown_metrics(data).items():
        for view, values in (("raw", _layer_means(general, metric)),
                             ("norm-based", _layer_means(norms, f"norm_{metric}"))):
            rows += [{"layer": k, "metric": name, "view": view, "value": round(v, 4)}
                     for k, v in enumerate(values)]
    chart = alt.Chart(named("shares")).mark_line(point=True).encode(
        x=alt.X("layer:O", title="layer (0-based)"),
        y=alt.Y("value:Q", title="mean share of attention (over heads)",
                axis=alt.Axis(format="%")),
        color=alt.Color("metric:N", sort=None, title="to"),
        strokeDash=alt.StrokeDash("view:N", sort=list(VIEWS_OF), title=None),
        tooltip=[alt.Tooltip("layer:O"), alt.Tooltip("metric:N"), alt.Tooltip("view:N"),
                 alt.Tooltip("value:Q", format=".1%")],
    ).properties(width=WIDTH, height=HEIGHT,
                 title="Raw (solid) and norm-based (dashed) shares, per layer")
    return {"by_layer": to_spec(chart, {"shares": rows})}


def layer_charts(data: SiteData, layer: int, page: str) -> dict[str, Any]:
    general, norms = data.get("general"), data.get("norms")
    rows = [{"metric": name, "view": view, "value": round(values[layer], 4)}
            for metric, name in shown_metrics(data).items()
            for view, values in (("raw", _layer_means(general, metric)),
                                 ("norm-based", _layer_means(norms, f"norm_{metric}")))]
    return {"layer": _bars(rows, f"Layer {layer}: raw and norm-based shares (mean of heads)",
                           WIDTH)}


def head_charts(data: SiteData, layer: int, head: int, page: str) -> dict[str, Any]:
    general, norms = data.get("general")["metrics"], data.get("norms")["metrics"]
    rows = [{"metric": name, "view": view, "value": round(grid[layer][head], 4)}
            for metric, name in shown_metrics(data).items()
            for view, grid in (("raw", general[metric]), ("norm-based", norms[f"norm_{metric}"]))]
    return {"head": _bars(rows, f"{head_label(layer, head)}: raw and norm-based shares", WIDTH)}


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def norm_sentence(data: SiteData) -> str | None:
    """Per layer, the special tokens' raw share and their norm-based share (the weights scaled by
    the norm of what they move), and how many times smaller it is."""
    if not data.has("norms") or not data.get("norms").get("metrics"):
        return None
    raw, norm = special_shares(data)
    parts = []
    for layer, (r, n) in enumerate(zip(raw, norm, strict=True)):
        factor = f", {r / n:.1f}x smaller" if n > 0 and r >= n else ""
        parts.append(f"layer {layer} {_pct(r)} -> {_pct(n)}{factor}")
    return (f"Weighted by the norm of the vector each weight moves (Kobayashi et al. 2020), the "
            f"share of attention to {special_name(data)}, mean over heads, raw -> norm-based: "
            + "; ".join(parts) + ".")


def findings(data: SiteData, page: str) -> list[str]:
    sentence = norm_sentence(data)
    return [sentence] if sentence else []


VIEW = View("norms", title="Norm-based attention", page_charts=page_charts,
            layer_charts=layer_charts, head_charts=head_charts, findings=findings,
            globals={"norm_metrics": shown_metrics, "norm_sentence": norm_sentence,
                     "norm_group_names": group_names,
                     "norm_special_shares": special_shares})
