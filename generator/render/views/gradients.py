"""The view of gradients.json (paper Figure 3): gradient importance of attention, per head.

Charts of the mean |dL/dA| by target group (per layer and per head), the sentence on whether
attending to [SEP] is a no-op (on its page and the home page), and the per-layer means the head
sections quote. A decoder's gradients.json (docs/results-gradients-probes.md, "Decoder models")
has the groups position 0 (the sink), "." or "," and other tokens, and its sentence asks the same
of the sink (``gradient_sink_sentence``).
"""

from __future__ import annotations

import math
from typing import Any

from generator.render.chart_kit import grid_heatmaps, grids_by_layer
from generator.render.site_data import SiteData
from generator.render.views.base import View
from generator.vocabulary import (
    GRADIENT_GROUP_NAMES,
    OBJECTIVE_NAMES,
    decoder_gradient_group_names,
)

GRADIENT_COLORS = {"sep": "#ff7f0e", "punct": "#2ca02c", "other": "#555555", "cls": "#d62728",
                   "first": "#d62728"}
"""The line colour of each target group (a decoder's position 0 takes [CLS]'s: never both)."""
SEP_MARGIN = 1.1
"""The gradient to [SEP] counts as smaller than to other tokens when at least this much smaller."""


def gradient_group_names(data: SiteData) -> dict[str, str]:
    """The target groups of this build's gradients.json as pages name them, in page order."""
    if data.is_decoder:
        return decoder_gradient_group_names(data.position0_is_bos)
    return GRADIENT_GROUP_NAMES


def page_charts(data: SiteData, page: str) -> dict[str, Any]:
    per_head = data.get("gradients")["per_head"]
    names = gradient_group_names(data)
    groups = [g for g in names if g in per_head]
    grids = {names[g]: per_head[g] for g in groups}
    colors = {names[g]: GRADIENT_COLORS[g] for g in groups}
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


def no_op_sentence(doc: dict[str, Any], group: str, target: str, attending: str,
                   tail: str, smaller: str = "") -> str | None:
    """How much smaller the gradient through attention to ``group`` is than to other tokens,
    from the first layer after which it stays smaller by ``SEP_MARGIN``; or, when it is not
    smaller in the last layer, that attending to it is not a no-op there. ``target`` names the
    group in the sentence, ``attending`` what attends to it ("attending to [SEP]"), ``tail``
    ends it (the objective), followed by ``smaller`` when the gradient is smaller. None without
    the group's targets."""
    layers = doc.get("per_layer", {})
    sep, other = layers.get(group), layers.get("other")
    if not sep or not other or not doc.get("segments_with_group", {}).get(group):
        return None
    ratios = [o / s if s > 0 else math.inf for s, o in zip(sep, other, strict=True)]
    start = len(ratios)
    while start > 0 and ratios[start - 1] >= SEP_MARGIN:
        start -= 1
    if start == len(ratios):
        return (f"In the last layer the gradient through attention to {target} is "
                f"{sep[-1] / other[-1]:.2f} times that through attention to other tokens, so "
                f"{attending} is not a no-op there{tail}.")
    finite = [r for r in ratios[start:] if math.isfinite(r)]
    factor = f"{_times(finite)} times smaller" if finite else "zero"
    where = ("In every layer" if start == 0 else f"In the last layer ({start})"
             if start == len(ratios) - 1 else f"From layer {start} on")
    return (f"{where}, the gradient of the loss through attention to {target} is {factor} than "
            f"through attention to other tokens{tail}{smaller}.")


def _objective(doc: dict[str, Any]) -> str:
    return OBJECTIVE_NAMES.get(doc.get("objective", {}).get("name"), "unnamed")


def gradient_sep_sentence(doc: dict[str, Any]) -> str | None:
    """How much smaller the gradient through attention to [SEP] is than to other tokens, from the
    first layer after which it stays smaller (the paper: close to zero from its layer 5 on)."""
    tail = (f" ({_objective(doc)} objective; the paper found it close to zero from its 1-based "
            f"layer 5 on in BERT-base)")
    return no_op_sentence(doc, "sep", "[SEP]", "attending to [SEP]", tail)


def gradient_sink_sentence(doc: dict[str, Any], bos: bool) -> str | None:
    """A decoder's answer to the paper's question, asked of the sink: is attending to position
    0 (the BOS token when ``bos``) a no-op? As ``gradient_sep_sentence``, with position 0."""
    target = "the sink, the BOS token at position 0," if bos else "the sink at position 0"
    return no_op_sentence(doc, "first", target, "attending to the sink",
                          f" ({_objective(doc)} objective)",
                          ": by this measure, attending to the sink is closer to a no-op than "
                          "attending to other tokens")


def gradient_sentence(data: SiteData) -> str | None:
    """This build's no-op sentence: the sink's for a decoder, [SEP]'s for an encoder."""
    doc = data.get("gradients")
    if data.is_decoder:
        return gradient_sink_sentence(doc, data.position0_is_bos)
    return gradient_sep_sentence(doc)


def findings(data: SiteData, page: str) -> list[str]:
    sentence = gradient_sentence(data)
    return [sentence] if sentence else []


VIEW = View("gradients", title="Gradient importance (Figure 3)", page_charts=page_charts,
            findings=findings,
            globals={"OBJECTIVE_NAMES": OBJECTIVE_NAMES,
                     "gradient_sentence": gradient_sentence,
                     "gradient_group_names": gradient_group_names})
