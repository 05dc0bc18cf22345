"""The view of gradients.json (paper Figure 3): gradient importance of attention, per head.

Charts of the mean |dL/dA| by target group (per layer and per head), the sentence on whether
attending to [SEP] is a no-op (on its page and the home page), and the per-layer means the head
sections quote.
"""

from __future__ import annotations

import math
from typing import Any

from generator.render.chart_kit import grid_heatmaps, grids_by_layer
from generator.render.site_data import SiteData
from generator.render.views.base import View
from generator.vocabulary import GRADIENT_GROUP_NAMES, OBJECTIVE_NAMES

GRADIENT_COLORS = {"sep": "#ff7f0e", "punct": "#2ca02c", "other": "#555555", "cls": "#d62728"}
"""The line colour of each target group."""
SEP_MARGIN = 1.1
"""The gradient to [SEP] counts as smaller than to other tokens when at least this much smaller."""


def page_charts(data: SiteData, page: str) -> dict[str, Any]:
    per_head = data.get("gradients")["per_head"]
    groups = [g for g in GRADIENT_GROUP_NAMES if g in per_head]
    grids = {GRADIENT_GROUP_NAMES[g]: per_head[g] for g in groups}
    colors = {GRADIENT_GROUP_NAMES[g]: GRADIENT_COLORS[g] for g in groups}
    largest = max((abs(v) for grid in grids.values() for row in grid for v in row), default=0.0)
    fmt = ".2e" if largest < 0.01 else ".3~g"  # masked-LM gradients can be ~1e-6
    return {
        "by_layer": grids_by_layer(grids, colors, page, y_format=fmt,
                                   title="Mean |dL/dA| by target, per layer (points: heads)",
                                   y_title="mean |dL/dA|"),
        "per_head": grid_heatmaps(grids, page, value_title="|dL/dA|", value_format=fmt,
                                  title="Mean |dL/dA| of every head, by target"),
    }


def _times(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"{low:.1f}" if f"{low:.1f}" == f"{high:.1f}" else f"{low:.1f} to {high:.1f}"


def gradient_sep_sentence(doc: dict[str, Any]) -> str | None:
    """How much smaller the gradient through attention to [SEP] is than to other tokens, from the
    first layer after which it stays smaller (the paper: close to zero from its layer 5 on)."""
    layers = doc.get("per_layer", {})
    sep, other = layers.get("sep"), layers.get("other")
    if not sep or not other or not doc.get("segments_with_group", {}).get("sep"):
        return None
    ratios = [o / s if s > 0 else math.inf for s, o in zip(sep, other, strict=True)]
    start = len(ratios)
    while start > 0 and ratios[start - 1] >= SEP_MARGIN:
        start -= 1
    objective = OBJECTIVE_NAMES.get(doc.get("objective", {}).get("name"), "unnamed")
    tail = (f" ({objective} objective; the paper found it close to zero from its 1-based "
            f"layer 5 on in BERT-base)")
    if start == len(ratios):
        return (f"In the last layer the gradient through attention to [SEP] is "
                f"{sep[-1] / other[-1]:.2f} times that through attention to other tokens, so "
                f"attending to [SEP] is not a no-op there{tail}.")
    finite = [r for r in ratios[start:] if math.isfinite(r)]
    factor = f"{_times(finite)} times smaller" if finite else "zero"
    where = ("In every layer" if start == 0 else f"In the last layer ({start})"
             if start == len(ratios) - 1 else f"From layer {start} on")
    return (f"{where}, the gradient of the loss through attention to [SEP] is {factor} than "
            f"through attention to other tokens{tail}.")


def findings(data: SiteData, page: str) -> list[str]:
    sentence = gradient_sep_sentence(data.get("gradients"))
    return [sentence] if sentence else []


VIEW = View("gradients", title="Gradient importance (Figure 3)", page_charts=page_charts,
            findings=findings,
            globals={"GRADIENT_GROUP_NAMES": GRADIENT_GROUP_NAMES,
                     "OBJECTIVE_NAMES": OBJECTIVE_NAMES,
                     "gradient_sep_sentence": gradient_sep_sentence})
