"""The view of syntax.json (paper section 4.2, Table 1; Figure 5): heads that find syntax.

Pure functions over the results document (no model, no attention): table rows, near-best heads,
examples (templates call these as ``syntax``); the charts of the syntax pages: accuracy per head
for a chosen relation, MST UUAS per head, and an example sentence drawn as attention lines
between words (Figure 5); and the home page's findings.

Relation labels and words are corpus text: they enter specs only as data values (and as the
options of a select, which Vega shows as text); expressions use our own field names only.

A decoder's syntax.json (``SiteData.is_decoder``; docs/results-syntax.md, "Decoder models") scores
each dependent in the one direction causal attention allows: per relation ``coverage`` per
direction, ``accuracy`` null for a direction that covers none, ``best`` chosen over the directions
that cover enough (``directions``), a baseline per direction, and one undirected spanning tree per
head (``mst.uuas.undirected``). Everything here reads either layout.
"""

from __future__ import annotations

import json
import posixpath
from functools import lru_cache
from typing import Any

import altair as alt

from generator.render.chart_kit import HEATMAP_SCHEME, cell_size, named, to_spec
from generator.render.escape import text as escape_text
from generator.render.names import head_label, head_link, head_page, html_url
from generator.render.site_data import SiteData
from generator.render.views.base import View, module

NEAR_BEST = 0.05
"""A head is "near-best" at a relation when its accuracy (better direction) is within this many
(5 percentage points) of the best head's."""
DIRECTIONS = ("dep2head", "head2dep")
DIRECTION_WORDS = {
    "dep2head": "the dependent attends most to its head",
    "head2dep": "the head attends most to its dependent",
}
PAPER_TABLE1 = {"all": (34.5, 26.3), "det": (94.3, 51.7), "obj": (86.8, 40.0),
                "nsubj": (58.5, 45.5)}
"""Clark et al. 2019 Table 1 (BERT-base, Stanford labels; dobj = UD obj): best head, baseline (%).
The paper's pobj (76.3 vs 34.6) has no UD counterpart (UD makes the noun the head)."""


GOLD_TERMS = {"kind": "gold", "trees": "gold trees", "head": "gold head", "arc": "gold arc",
              "arcs": "gold arcs", "edges": "gold edges", "root": "gold root word"}
PARSER_TERMS = {"kind": "parser", "trees": "parser trees", "head": "parser head",
                "arc": "parser arc", "arcs": "parser arcs", "edges": "parser edges",
                "root": "parser's root word"}


def tree_terms(doc: dict[str, Any]) -> dict[str, str]:
    """The words the pages use for the trees syntax.json was scored against (its ``trees``):
    "gold" only for a treebank's gold trees; parser output (or results that do not say) is
    named as the parser's, so no page calls a parser's heads gold."""
    return GOLD_TERMS if doc.get("trees") == "gold" else PARSER_TERMS


def relation_order(doc: dict[str, Any]) -> list[str]:
    """Reported relations, "all" first, then by count (largest first), ties by name."""
    relations = doc.get("relations", {})
    rest = sorted((r for r in relations if r != "all"),
                  key=lambda r: (-relations[r]["count"], r))
    return (["all"] if "all" in relations else []) + rest


def is_causal(doc: dict[str, Any]) -> bool:
    """A decoder's syntax.json: its relations say how many dependents each direction covers."""
    return any("coverage" in rel for rel in doc.get("relations", {}).values())


def directions(doc: dict[str, Any], relation: str) -> tuple[str, ...]:
    """The directions a relation's best head is chosen from: both for an encoder; for a decoder
    those covering at least ``min_relation_count`` of its dependents, else the one covering
    more (both on a tie), none when neither covers any (docs/results-syntax.md)."""
    rel = doc["relations"][relation]
    coverage = rel.get("coverage")
    if coverage is None:
        return DIRECTIONS
    least = doc.get("method", {}).get("min_relation_count", 0)
    enough = tuple(d for d in DIRECTIONS if coverage[d] >= least and coverage[d] > 0)
    if enough:
        return enough
    most = max(coverage[d] for d in DIRECTIONS)
    return tuple(d for d in DIRECTIONS if coverage[d] == most and most > 0)


def head_accuracy(doc: dict[str, Any], relation: str, layer: int, head: int
                  ) -> tuple[float, str]:
    """A head's accuracy at a relation in its better direction (dep2head wins ties); for a
    decoder, the better of the directions the best head is chosen from (``directions``)."""
    acc = doc["relations"][relation]["accuracy"]
    best = max(directions(doc, relation), key=lambda d: (acc[d][layer][head], d == "dep2head"))
    return acc[best][layer][head], best


def baseline(doc: dict[str, Any], relation: str, direction: str) -> dict[str, Any] | None:
    """The offset baseline to hold against a head's accuracy in ``direction``: a decoder's own
    baseline of that direction (the same dependents), an encoder's best offset."""
    rel = doc["relations"][relation]
    if "baseline_by_direction" in rel:
        return rel["baseline_by_direction"].get(direction)
    return rel["baseline"]


def near_best(doc: dict[str, Any], layer: int, head: int,
              margin: float = NEAR_BEST) -> list[dict[str, Any]]:
    """The relations at which this head is the best or within ``margin`` of the best head,
    in ``relation_order``; each with the head's accuracies, the best head and the baseline."""
    rows = []
    for relation in relation_order(doc):
        rel = doc["relations"][relation]
        best = rel["best"]
        if best is None:  # a decoder's relation that no direction covers
            continue
        value, direction = head_accuracy(doc, relation, layer, head)
        is_best = (best["layer"], best["head"]) == (layer, head)
        if not is_best and value < best["accuracy"] - margin:
            continue
        rows.append({
            "relation": relation, "count": rel["count"], "accuracy": value,
            "direction": direction, "is_best": is_best,
            "dep2head": _cell(rel["accuracy"]["dep2head"], layer, head),
            "head2dep": _cell(rel["accuracy"]["head2dep"], layer, head),
            "best": best, "baseline": baseline(doc, relation, direction),
        })
    return rows


def _cell(grid: list[list[float]] | None, layer: int, head: int) -> float | None:
    """A head's value of a grid that a decoder's syntax.json may leave null."""
    return None if grid is None else grid[layer][head]


def best_in_layer(doc: dict[str, Any], layer: int) -> list[tuple[str, dict[str, Any]]]:
    """The relations whose best head lies in this layer, as (relation, best), in table order."""
    return [(r, doc["relations"][r]["best"]) for r in relation_order(doc)
            if doc["relations"][r]["best"] is not None
            and doc["relations"][r]["best"]["layer"] == layer]


def mst_rank(doc: dict[str, Any], layer: int, head: int) -> tuple[float, str, int] | None:
    """A head's MST UUAS (better direction), that direction, and its rank among all heads
    (1 = highest, ties share the better rank); None without MST scores."""
    uuas = doc.get("mst", {}).get("uuas")
    if not uuas:
        return None
    if "undirected" in uuas:  # a decoder: one undirected tree per head
        grid = uuas["undirected"]
        return grid[layer][head], "undirected", 1 + sum(1 for row in grid for v in row
                                                        if v > grid[layer][head])
    grid = [[max(a, b) for a, b in zip(ra, rb, strict=True)]
            for ra, rb in zip(uuas["dep2head"], uuas["head2dep"], strict=True)]
    value = grid[layer][head]
    direction = "dep2head" if uuas["dep2head"][layer][head] >= uuas["head2dep"][layer][head] \
        else "head2dep"
    rank = 1 + sum(1 for row in grid for v in row if v > value)
    return value, direction, rank


def head_examples(doc: dict[str, Any]) -> dict[tuple[int, int], list[dict[str, Any]]]:
    """The Figure-5 examples by head, in file order."""
    out: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for example in doc.get("examples", []):
        out.setdefault((example["layer"], example["head"]), []).append(example)
    return out


def relation_arcs(example: dict[str, Any]) -> list[dict[str, Any]]:
    """The example relation's arcs in the trees (gold or parser), drawn from the attending word:
    dependent -> head for dep2head, head -> dependent for head2dep; ``ok`` when this head gets
    the dependent right. A decoder's example draws only the arcs its direction covers
    (``covered``): the others cannot be found in that direction."""
    correct = set(example["correct"])
    covered = set(example["covered"]) if "covered" in example else None
    arcs = []
    for dep, (gov, rel) in enumerate(zip(example["heads"], example["deprels"], strict=True)):
        if rel != example["relation"] or gov < 0 or (covered is not None and dep not in covered):
            continue
        i, j = (dep, gov) if example["direction"] == "dep2head" else (gov, dep)
        arcs.append({"i": i, "j": j, "ok": dep in correct})
    return arcs


def widest_margin(doc: dict[str, Any]) -> str | None:
    """The relation (not "all") whose best head beats its best fixed offset by the most."""
    relations = doc.get("relations", {})
    candidates = [r for r in relations if r != "all" and relations[r]["best"] is not None
                  and relations[r]["baseline"] is not None]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (relations[r]["best"]["accuracy"]
                                          - relations[r]["baseline"]["accuracy"],
                                          relations[r]["count"], r))


LINE_MIN = 0.02
"""Attention weights below this are not drawn as lines in the Figure-5 chart."""
ROW_HEIGHT = 18
DIRECTION_CHOICES = ["better of the two", "dep2head", "head2dep"]


def _heads_prefix(page: str) -> str:
    """The relative URL prefix from ``page`` to the heads/ folder (our own string)."""
    return posixpath.relpath("heads", posixpath.dirname(page) or ".") + "/"


def accuracy_heatmap(doc: dict[str, Any], page: str) -> dict[str, Any]:
    """Layers x heads, coloured by accuracy at the relation picked in a select (default "all"),
    in the direction picked in a second select; the best head is outlined; cells link to heads."""
    if is_causal(doc):
        return causal_accuracy_heatmap(doc, page)
    relations = relation_order(doc)
    rows, info = [], []
    for relation in relations:
        rel = doc["relations"][relation]
        info.append({"r": relation, "n": rel["count"], "base": rel["baseline"]["accuracy"],
                     "off": rel["baseline"]["offset"]})
        dep, gov = rel["accuracy"]["dep2head"], rel["accuracy"]["head2dep"]
        for layer, (row_d, row_g) in enumerate(zip(dep, gov, strict=True)):
            # one row per layer, its heads as arrays (flattened in the chart): a 32 x 32
            # model's 17 relations stay well under the 1 MB page limit
            rows.append({"r": relation, "l": layer, "h": list(range(len(row_d))),
                         "d": row_d, "g": row_g})
    layers = len(doc["relations"][relations[0]]["accuracy"]["dep2head"]) if relations else 0
    heads = len(doc["relations"][relations[0]]["accuracy"]["dep2head"][0]) if relations else 0
    spec = json.loads(_heatmap_skeleton(tuple(relations), _heads_prefix(page)))
    size = cell_size(heads)
    spec["width"], spec["height"] = size * heads, 26 * layers + 10
    spec["datasets"] = {"acc": rows, "rels": info}
    return spec


@lru_cache(maxsize=4)
def _heatmap_skeleton(relations: tuple[str, ...], prefix: str) -> str:
    rel = alt.param(name="relation", value=relations[0] if relations else "all",
                    bind=alt.binding_select(options=list(relations), name="relation "))
    way = alt.param(name="direction", value=DIRECTION_CHOICES[0],
                    bind=alt.binding_select(options=DIRECTION_CHOICES, name="direction "))
    lookup = alt.LookupData(data=named("rels"), key="r", fields=["n", "base", "off"])
    base = alt.Chart(named("acc")).add_params(rel, way).transform_filter(
        "datum.r === relation"
    ).transform_flatten(["h", "d", "g"]).transform_lookup(
        lookup="r", from_=lookup
    ).transform_calculate(
        acc="direction === 'dep2head' ? datum.d : direction === 'head2dep' ? datum.g"
            " : max(datum.d, datum.g)",
        way="direction === 'better of the two' ? (datum.g > datum.d ? 'head2dep' : 'dep2head')"
            " : direction",
        name="'L' + datum.l + '-H' + datum.h",
        url=f"'{prefix}L' + datum.l + '-H' + datum.h + '.html'",
    ).transform_calculate(
        label="format(datum.acc * 100, '.0f') + (direction === 'better of the two'"
              " && datum.g > datum.d ? '*' : '')",
        gain="datum.acc - datum.base",
    ).transform_joinaggregate(top="max(acc)").transform_calculate(
        is_top="datum.acc === datum.top"
    ).encode(
        x=alt.X("h:O", title="head (0-based)", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("l:O", title="layer (0-based)"))
    return _accuracy_cells(base, [], "Accuracy of every head at the chosen relation (outlined: "
                           "the best head; click a cell for its page)")


def causal_accuracy_heatmap(doc: dict[str, Any], page: str) -> dict[str, Any]:
    """A decoder's accuracy heatmap: as ``accuracy_heatmap``, with each direction over the
    dependents it covers (a direction that covers none has no cells), "better of the two"
    taken over the directions the relation's best head is chosen from (``directions``), and
    each cell held against its own direction's baseline."""
    relations = relation_order(doc)
    rows, info = [], []
    for relation in relations:
        rel = doc["relations"][relation]
        by_direction = rel["baseline_by_direction"]
        info.append({"r": relation, "n": rel["count"],
                     "nd": rel["coverage"]["dep2head"], "ng": rel["coverage"]["head2dep"],
                     **{f"b{d[0]}": (by_direction[way]["accuracy"] if by_direction[way]
                                     else None)
                        for d, way in (("d", "dep2head"), ("g", "head2dep"))}})
        acc, eligible = rel["accuracy"], directions(doc, relation)
        for layer in range(_layers(doc)):
            row: dict[str, Any] = {"r": relation, "l": layer, "h": [], "d": [], "g": [],
                                   "b": [], "w": []}  # the heads as arrays, as above
            for head in range(_heads(doc)):
                better = (max(eligible, key=lambda w: (acc[w][layer][head], w == "dep2head"))
                          if eligible else None)
                row["h"].append(head)
                row["d"].append(_cell(acc["dep2head"], layer, head))
                row["g"].append(_cell(acc["head2dep"], layer, head))
                row["b"].append(_cell(acc[better], layer, head) if better else None)
                row["w"].append(better)
            rows.append(row)
    spec = json.loads(_causal_heatmap_skeleton(tuple(relations), _heads_prefix(page)))
    size = cell_size(_heads(doc))
    spec["width"], spec["height"] = size * _heads(doc), 26 * _layers(doc) + 10
    spec["datasets"] = {"acc": rows, "rels": info}
    return spec


def _layers(doc: dict[str, Any]) -> int:
    return int(doc["model"]["num_layers"])


def _heads(doc: dict[str, Any]) -> int:
    return int(doc["model"]["num_heads"])


@lru_cache(maxsize=4)
def _causal_heatmap_skeleton(relations: tuple[str, ...], prefix: str) -> str:
    rel = alt.param(name="relation", value=relations[0] if relations else "all",
                    bind=alt.binding_select(options=list(relations), name="relation "))
    way = alt.param(name="direction", value=DIRECTION_CHOICES[0],
                    bind=alt.binding_select(options=DIRECTION_CHOICES, name="direction "))
    lookup = alt.LookupData(data=named("rels"), key="r", fields=["n", "nd", "ng", "bd", "bg"])
    base = alt.Chart(named("acc")).add_params(rel, way).transform_filter(
        "datum.r === relation"
    ).transform_flatten(["h", "d", "g", "b", "w"]).transform_lookup(
        lookup="r", from_=lookup
    ).transform_calculate(
        acc="direction === 'dep2head' ? datum.d : direction === 'head2dep' ? datum.g : datum.b",
        way="direction === 'better of the two' ? datum.w : direction",
        name="'L' + datum.l + '-H' + datum.h",
        url=f"'{prefix}L' + datum.l + '-H' + datum.h + '.html'",
    ).transform_filter("isValid(datum.acc)").transform_calculate(
        base="datum.way === 'dep2head' ? datum.bd : datum.bg",
        covered="datum.way === 'dep2head' ? datum.nd : datum.ng",
        label="format(datum.acc * 100, '.0f') + (direction === 'better of the two'"
              " && datum.w === 'head2dep' ? '*' : '')",
    ).transform_calculate(
        gain="datum.acc - datum.base",
    ).transform_joinaggregate(top="max(acc)").transform_calculate(
        is_top="datum.acc === datum.top"
    ).encode(
        x=alt.X("h:O", title="head (0-based)", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("l:O", title="layer (0-based)"))
    covered = [alt.Tooltip("covered:Q", title="dependents it covers")]
    return _accuracy_cells(base, covered, "Accuracy of every head at the chosen relation, over "
                           "the dependents the direction covers (outlined: the best head; click "
                           "a cell for its page)")


def _accuracy_cells(base: Any, extra_tooltip: list[Any], title: str) -> str:
    """The accuracy heatmap's cells and labels over ``base`` (its data and transforms), as a
    spec's JSON: one drawing for encoders and decoders; ``extra_tooltip`` follows the
    direction in the tooltip."""
    rects = base.mark_rect().encode(
        color=alt.Color("acc:Q", title="accuracy",
                        scale=alt.Scale(scheme=HEATMAP_SCHEME, domain=[0, 1]),
                        legend=alt.Legend(format="%")),
        stroke=alt.condition("datum.is_top", alt.value("#e6194b"), alt.value("white")),
        strokeWidth=alt.condition("datum.is_top", alt.value(3), alt.value(1)),
        href="url:N",
        tooltip=[alt.Tooltip("name:N", title="head"), alt.Tooltip("r:N", title="relation"),
                 alt.Tooltip("acc:Q", format=".1%", title="accuracy"),
                 alt.Tooltip("way:N", title="direction"),
                 *extra_tooltip,
                 alt.Tooltip("d:Q", format=".1%", title="dep2head"),
                 alt.Tooltip("g:Q", format=".1%", title="head2dep"),
                 alt.Tooltip("base:Q", format=".1%", title="best offset baseline"),
                 alt.Tooltip("gain:Q", format="+.1%", title="over the baseline"),
                 alt.Tooltip("n:Q", title="dependents")])
    text = base.mark_text(fontSize=10).encode(
        text="label:N", href="url:N",
        color=alt.condition("datum.acc > 0.55", alt.value("black"), alt.value("white")))
    chart = alt.layer(rects, text).properties(title=title)
    return json.dumps(to_spec(chart, {}))


def mst_heatmap(doc: dict[str, Any], page: str) -> dict[str, Any]:
    """Layers x heads, coloured by the UUAS of each head's maximum spanning tree (better
    direction; a decoder's one undirected tree)."""
    uuas = doc["mst"]["uuas"]
    if "undirected" in uuas:
        return undirected_mst_heatmap(uuas["undirected"], page)
    cells = []
    for layer, (row_d, row_g) in enumerate(zip(uuas["dep2head"], uuas["head2dep"], strict=True)):
        for head, (d, g) in enumerate(zip(row_d, row_g, strict=True)):
            value = max(d, g)
            cells.append({"l": layer, "h": head, "name": head_label(layer, head),
                          "uuas": value, "d": d, "g": g, "label": f"{value * 100:.0f}",
                          "url": html_url(page, head_page(layer, head))})
    heads = len(uuas["dep2head"][0])
    size = cell_size(heads)
    base = alt.Chart(named("cells")).encode(
        x=alt.X("h:O", title="head (0-based)", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("l:O", title="layer (0-based)"))
    rects = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("uuas:Q", title="UUAS", legend=alt.Legend(format="%"),
                        scale=alt.Scale(scheme=HEATMAP_SCHEME, domain=[0, 1])),
        href="url:N",
        tooltip=[alt.Tooltip("name:N", title="head"),
                 alt.Tooltip("uuas:Q", format=".1%", title="UUAS"),
                 alt.Tooltip("d:Q", format=".1%", title="dep2head"),
                 alt.Tooltip("g:Q", format=".1%", title="head2dep")])
    text = base.mark_text(fontSize=10).encode(
        text="label:N", href="url:N",
        color=alt.condition("datum.uuas > 0.55", alt.value("black"), alt.value("white")))
    chart = alt.layer(rects, text).properties(
        width=size * heads, height=26 * len(uuas["dep2head"]) + 10,
        title="Undirected attachment score of each head's maximum spanning tree (%)")
    return to_spec(chart, {"cells": cells})


def undirected_mst_heatmap(grid: list[list[float]], page: str) -> dict[str, Any]:
    """A decoder's MST heatmap: layers x heads, coloured by the UUAS of each head's one
    undirected tree."""
    cells = [{"l": layer, "h": head, "name": head_label(layer, head), "uuas": value,
              "label": f"{value * 100:.0f}", "url": html_url(page, head_page(layer, head))}
             for layer, row in enumerate(grid) for head, value in enumerate(row)]
    heads = len(grid[0])
    base = alt.Chart(named("cells")).encode(
        x=alt.X("h:O", title="head (0-based)", axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("l:O", title="layer (0-based)"))
    rects = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("uuas:Q", title="UUAS", legend=alt.Legend(format="%"),
                        scale=alt.Scale(scheme=HEATMAP_SCHEME, domain=[0, 1])),
        href="url:N",
        tooltip=[alt.Tooltip("name:N", title="head"),
                 alt.Tooltip("uuas:Q", format=".1%", title="UUAS")])
    text = base.mark_text(fontSize=10).encode(
        text="label:N", href="url:N",
        color=alt.condition("datum.uuas > 0.55", alt.value("black"), alt.value("white")))
    chart = alt.layer(rects, text).properties(
        width=cell_size(heads) * heads, height=26 * len(grid) + 10,
        title="Undirected attachment score of each head's maximum spanning tree (%)")
    return to_spec(chart, {"cells": cells})


def figure5(example: dict[str, Any], arcs: list[dict[str, Any]], title: str,
            terms: dict[str, str]) -> dict[str, Any]:
    """One head on one sentence: every word (left) joined to the words it attends to (right),
    line opacity = weight (weights under ``LINE_MIN`` left out); the relation's arcs in the
    trees drawn thick behind, green where the head gets the dependent right, red where not.
    ``terms`` (``tree_terms``) names the trees: gold, or the parser's."""
    words = example["words"]
    labels = [{"k": k, "w": w, "rel": rel, "gov": example["heads"][k]}
              for k, (w, rel) in enumerate(zip(words, example["deprels"], strict=True))]
    lines = [{"i": i, "j": j, "w": w}
             for i, row in enumerate(example["attention"]) for j, w in enumerate(row)
             if w >= LINE_MIN]
    drawn = [{**arc, "state": "found" if arc["ok"] else "missed"} for arc in arcs]
    spec = json.loads(_figure5_skeleton(terms["arc"], terms["head"]))
    spec["title"] = title
    spec["height"] = ROW_HEIGHT * len(words)
    spec["datasets"] = {"words": labels, "lines": lines, "arcs": drawn}
    return spec


@lru_cache(maxsize=2)
def _figure5_skeleton(arc: str, head: str) -> str:
    """The Figure-5 chart without data, title or height, its arcs' legend titled ``arc`` and
    the words' head tooltip ``head`` (built once per kind of trees: altair is slow)."""
    x_scale = alt.Scale(domain=[-0.55, 1.55])
    y_scale = alt.Scale(zero=False, nice=False, reverse=True, padding=ROW_HEIGHT / 2)
    drawn = alt.Chart(named("arcs")).mark_rule(strokeWidth=7, opacity=0.45).encode(
        x=alt.datum(0, scale=x_scale, axis=None), x2=alt.datum(1),
        y=alt.Y("i:Q", scale=y_scale, axis=None), y2="j:Q",
        color=alt.Color("state:N", title=arc,
                        scale=alt.Scale(domain=["found", "missed"],
                                        range=["#2ca02c", "#d62728"]),
                        legend=alt.Legend(orient="bottom")))
    lines = alt.Chart(named("lines")).mark_rule(strokeWidth=2, color="#1f77b4").encode(
        x=alt.datum(0), x2=alt.datum(1), y="i:Q", y2="j:Q",
        opacity=alt.Opacity("w:Q", scale=alt.Scale(domain=[0, 1], range=[0, 1]),
                            legend=None),
        tooltip=[alt.Tooltip("w:Q", format=".3f", title="weight")])
    tips = [alt.Tooltip("w:N", title="word"), alt.Tooltip("rel:N", title="relation"),
            alt.Tooltip("k:Q", title="word index"), alt.Tooltip("gov:Q", title=head)]
    left = alt.Chart(named("words")).mark_text(align="right", dx=-6, limit=140).encode(
        x=alt.datum(0), y="k:Q", text="w:N", tooltip=tips)
    right = alt.Chart(named("words")).mark_text(align="left", dx=6, limit=140).encode(
        x=alt.datum(1), y="k:Q", text="w:N", tooltip=tips)
    chart = alt.layer(drawn, lines, left, right).properties(width=420).resolve_scale(
        opacity="independent")
    return json.dumps(to_spec(chart, {}))


def page_charts(data: SiteData, page: str) -> dict[str, Any]:
    doc = data.get("syntax")
    charts = {"accuracy": accuracy_heatmap(doc, page)}
    if doc.get("mst", {}).get("uuas"):
        charts["mst"] = mst_heatmap(doc, page)
    return charts


def head_charts(data: SiteData, layer: int, head: int, page: str) -> dict[str, Any]:
    doc = data.get("syntax")
    terms = tree_terms(doc)
    examples = head_examples(doc).get((layer, head), [])
    return {f"figure5_{k}": figure5(ex, relation_arcs(ex), f"Example {k + 1}", terms)
            for k, ex in enumerate(examples)}


def findings(data: SiteData, page: str) -> list[str]:
    """The relation a head tracks best against its fixed-offset baseline, and "all" relations.
    Relation labels come from the treebank: they are escaped."""
    doc = data.get("syntax")
    relations = doc.get("relations", {})
    terms = tree_terms(doc)
    out = []
    relation = widest_margin(doc)
    if relation is not None:
        rel = relations[relation]
        best, base = rel["best"], rel["baseline"]
        covers = ""
        if "coverage" in rel:
            covers = f", over the {rel['coverage'][best['direction']]} dependents it covers"
        out.append(f"Head {head_link(page, best['layer'], best['head'])} finds the "
                   f"{terms['head']} of {escape_text(relation)} dependents "
                   f"{best['accuracy']:.0%} of the time ({best['direction']}{covers}), against "
                   f"{base['accuracy']:.0%} for the best fixed offset ({base['offset']:+d}): "
                   f"the widest margin of any relation ({terms['trees']}).")
    if "all" in relations and relations["all"]["best"] is not None:
        best, base = relations["all"]["best"], relations["all"]["baseline"]
        coverage = relations["all"].get("coverage")
        if coverage:  # a decoder: over the dependents the best head's direction covers
            sentence = (f"Over all relations together, the best head, "
                        f"{head_link(page, best['layer'], best['head'])}, finds the "
                        f"{terms['head']} of {best['accuracy']:.0%} of the "
                        f"{coverage[best['direction']]} dependents that {best['direction']} "
                        f"covers (of {relations['all']['count']}; best fixed offset on the "
                        f"same dependents: {base['accuracy']:.0%})")
        else:
            sentence = (f"Over all relations together, the best head, "
                        f"{head_link(page, best['layer'], best['head'])}, finds "
                        f"{best['accuracy']:.0%} of the {terms['head']}s (best fixed offset: "
                        f"{base['accuracy']:.0%})")
        mst = doc.get("mst", {}).get("best")
        if mst:
            sentence += (f"; the best maximum spanning trees of a head's attention "
                         f"({head_link(page, mst['layer'], mst['head'])}) recover "
                         f"{mst['uuas']:.0%} of {terms['edges']}, ignoring direction")
        out.append(sentence + ".")
    return out


VIEW = View("syntax", title="Dependency syntax", page_charts=page_charts,
            head_charts=head_charts, findings=findings, globals={"syntax": module(__name__)})
