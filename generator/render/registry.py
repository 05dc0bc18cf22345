"""The one place chart builders are registered, per results file and per kind of page.

A results file ``F`` (OUT/results/F.json) can contribute charts to its analysis page
(``templates/pages/F.md.j2``), to every layer page (``templates/layer/F.md.j2``) and to every head
page (``templates/head/F.md.j2``). Each builder returns ``{name: Vega-Lite spec}``; a template
embeds one with ``{{ chart("name") }}``. Builders run only when F.json exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.render import charts as C
from generator.render import (
    charts_coref,
    charts_heads,
    coref_view,
    heads_view,
    syntax_charts,
    syntax_view,
)
from generator.render import (
    grid_charts as G,
)
from generator.render.findings import PAPER_UAS
from generator.render.names import cluster_label, cluster_page
from generator.render.site_data import SiteData
from generator.vocabulary import GRADIENT_GROUP_NAMES, PROBE_DIRECTIONS

Spec = dict[str, Any]
PageCharts = Callable[[SiteData, str], dict[str, Spec]]
LayerCharts = Callable[[SiteData, int, str], dict[str, Spec]]
HeadCharts = Callable[[SiteData, int, int, str], dict[str, Spec]]


def general_page(data: SiteData, page: str) -> dict[str, Spec]:
    uniform = data.uniform_entropy()
    return {
        "special": C.by_layer(data, ["cls", "sep", "punct"], page,
                              title="Attention to special tokens and punctuation by layer",
                              y_title="average share of attention"),
        "sep_sep": C.by_layer(data, ["sep_sep", "rest_sep"], page,
                              title="Attention to [SEP] from [SEP] and from other tokens",
                              y_title="average share of attention"),
        "offsets": C.by_layer(data, ["prev", "self", "next"], page,
                              title="Attention to the previous, same and next token",
                              y_title="average share of attention"),
        "entropy": C.by_layer(data, ["entropy"], page, title="Attention entropy by layer",
                              y_title="entropy (nats)", reference=uniform,
                              reference_label="uniform attention"),
        "cls_entropy": C.by_layer(data, ["cls_entropy"], page,
                                  title="Entropy of the [CLS] token's attention by layer",
                                  y_title="entropy (nats)", reference=uniform,
                                  reference_label="uniform attention"),
    }


def home_page(data: SiteData, page: str) -> dict[str, Spec]:
    return {"overview": C.overview_map(data, page)}


def general_layer(data: SiteData, layer: int, page: str) -> dict[str, Spec]:
    return {"profiles": C.layer_profiles(data, layer, page)}


def examples_layer(data: SiteData, layer: int, page: str) -> dict[str, Spec]:
    examples = data.get("examples").get("examples", [])
    return {"example_maps": C.layer_example_maps(examples[0], layer, page)} if examples else {}


def general_head(data: SiteData, layer: int, head: int, page: str) -> dict[str, Spec]:
    return {"profile": C.head_profile(data, layer, head)}


def examples_head(data: SiteData, layer: int, head: int, page: str) -> dict[str, Spec]:
    examples = data.get("examples").get("examples", [])
    return {f"example_{k}": C.example_map(ex, layer, head, f"Example {k + 1}")
            for k, ex in enumerate(examples)}


def syntax_page(data: SiteData, page: str) -> dict[str, Spec]:
    doc = data.get("syntax")
    charts = {"accuracy": syntax_charts.accuracy_heatmap(doc, page)}
    if doc.get("mst", {}).get("uuas"):
        charts["mst"] = syntax_charts.mst_heatmap(doc, page)
    return charts


def syntax_head(data: SiteData, layer: int, head: int, page: str) -> dict[str, Spec]:
    doc = data.get("syntax")
    terms = syntax_view.tree_terms(doc)
    examples = syntax_view.head_examples(doc).get((layer, head), [])
    return {f"figure5_{k}": syntax_charts.figure5(ex, syntax_view.relation_arcs(ex),
                                                  f"Example {k + 1}", terms)
            for k, ex in enumerate(examples)}


def coref_page(data: SiteData, page: str) -> dict[str, Spec]:
    example = data.get("coref").get("example")
    charts = {"accuracy": charts_coref.accuracy_heatmap(data, page)}
    if example:
        charts["example"] = charts_coref.example_attention(example)
    return charts


def heads_page(data: SiteData, page: str) -> dict[str, Spec]:
    return {"map": charts_heads.head_map(data, page)}


def cluster_pages(data: SiteData) -> list[ExtraPage]:
    """One page per head cluster (templates/cluster.md.j2)."""
    return [ExtraPage(cluster_page(c), "cluster.md.j2", f"Cluster {cluster_label(c)}",
                      {"cluster": c, "members": members})
            for c, members in enumerate(heads_view.clusters(data))]


@dataclass(frozen=True)
class ExtraPage:
    """A page of its own beyond ``analyses/F.md`` (listed under F's page in the navigation)."""

    page: str
    template: str
    title: str
    context: dict[str, Any]


GRADIENT_COLORS = {"[SEP]": "#ff7f0e", '"." or ","': "#2ca02c", "other tokens": "#555555",
                   "[CLS] (also in other)": "#d62728"}


def gradients_page(data: SiteData, page: str) -> dict[str, Spec]:
    per_head = data.get("gradients")["per_head"]
    grids = {GRADIENT_GROUP_NAMES[g]: per_head[g] for g in GRADIENT_GROUP_NAMES if g in per_head}
    largest = max((abs(v) for grid in grids.values() for row in grid for v in row), default=0.0)
    fmt = ".2e" if largest < 0.01 else ".3~g"  # masked-LM gradients can be ~1e-6
    return {
        "by_layer": G.grids_by_layer(grids, GRADIENT_COLORS, page, y_format=fmt,
                                     title="Mean |dL/dA| by target, per layer (points: heads)",
                                     y_title="mean |dL/dA|"),
        "per_head": G.grid_heatmaps(grids, page, value_title="|dL/dA|", value_format=fmt,
                                    title="Mean |dL/dA| of every head, by target"),
    }


def probes_page(data: SiteData, page: str) -> dict[str, Spec]:
    doc = data.get("probes")
    rows = [{"label": row["label"], "score": doc["uas"][row["name"]],
             "reference": PAPER_UAS.get(row["name"])}
            for row in doc["rows"] if row["name"] in doc["uas"]]
    weights = doc["attn_weights"]
    grids = {PROBE_DIRECTIONS[d]: weights[d] for d in PROBE_DIRECTIONS if d in weights}
    return {
        "uas": G.score_bars(rows, title="Unlabelled attachment score (ticks: the paper, "
                            "BERT-base with GloVe)", x_title="UAS", reference_title="paper"),
        "weights": G.grid_heatmaps(grids, page, value_title="weight", diverging=True,
                                   title="The Attn probe's learned weight of each head's map"),
    }


HOME_CHARTS: tuple[PageCharts, ...] = (home_page,)
ANALYSIS_CHARTS: dict[str, PageCharts] = {"general": general_page, "coref": coref_page,
                                          "heads": heads_page, "syntax": syntax_page,
                                          "gradients": gradients_page, "probes": probes_page}
EXTRA_PAGES: dict[str, Callable[[SiteData], list[ExtraPage]]] = {"heads": cluster_pages}
TEMPLATE_HELPERS: dict[str, Any] = {"coref_view": coref_view, "heads_view": heads_view,
                                    "cluster_label": cluster_label, "syntax": syntax_view}
"""Modules and functions the templates may call, by name."""
LAYER_CHARTS: dict[str, LayerCharts] = {"general": general_layer, "examples": examples_layer}
HEAD_CHARTS: dict[str, HeadCharts] = {"general": general_head, "examples": examples_head,
                                      "syntax": syntax_head}
