"""The view of heads.json: the head map (paper Figure 6), clusters and behaviour labels.

heads.json numbers heads ``k = layer * num_heads + head`` (flat lists); the pages speak of
``(layer, head)``. Everything here is computed from results documents alone (no attention):
head indices, clusters and what a cluster's heads share (templates call these as
``heads_view``), the map chart, one page per cluster, and the home page's finding.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import altair as alt

from generator.render.chart_kit import HEIGHT, WIDTH, named, to_spec
from generator.render.names import (
    analysis_page,
    cluster_label,
    cluster_page,
    head_label,
    head_page,
    html_url,
    link,
)
from generator.render.site_data import SiteData, grid_mean
from generator.render.views.base import ExtraPage, View, module
from generator.vocabulary import TARGETS

ROUGH_SILHOUETTE = 0.25
"""Below this mean silhouette the clusters are called a rough grouping (Kaufman & Rousseeuw:
no substantial structure below 0.25)."""
TRAIT_METRICS = ("cls", "sep", "punct", "prev", "self", "next", "entropy")
"""The general metrics a cluster is compared on."""
DECODER_TRAIT_METRICS = ("first", "punct", "prev", "self", "entropy_normalised")
"""... a decoder's (its entropy normalised: rows see different numbers of tokens)."""
TRAIT_MIN_Z = 0.5
"""A cluster mean counts as a shared trait when it is this many standard deviations (over all
heads) away from the mean of all heads."""
TRAIT_MIN_SHARE = 0.05
"""... and, for shares of attention, at least this far from it in absolute terms."""
MAX_TRAITS = 3
"""At most this many traits are said about a cluster."""
TRAIT_TARGETS = {**TARGETS, "self": "the token itself"}
"""How a cluster's traits name the targets ("they attend more to the token itself")."""
ENTROPY_TRAITS = {"entropy": ("entropy", " nats"), "entropy_normalised": ("normalised entropy", "")}
"""The traits that are no shares of attention: their name and unit."""


def heads_doc(data: SiteData) -> dict[str, Any]:
    return data.get("heads")


def head_index(data: SiteData, layer: int, head: int) -> int:
    """The flat index k of heads.json."""
    return layer * data.num_heads + head


def head_at(data: SiteData, k: int) -> tuple[int, int]:
    return divmod(k, data.num_heads)  # type: ignore[return-value]


def clusters(data: SiteData) -> list[list[tuple[int, int]]]:
    """The heads of each cluster, in head order; cluster c is element c."""
    doc = heads_doc(data)
    members: list[list[tuple[int, int]]] = [[] for _ in range(int(doc["num_clusters"]))]
    for k, c in enumerate(doc["cluster"]):
        members[c].append(head_at(data, k))
    return members


def best_silhouette(data: SiteData) -> tuple[int, float] | None:
    """(k, mean silhouette) of the chosen number of clusters, or None if none was scored."""
    scores = heads_doc(data).get("method", {}).get("silhouette", {})
    k = int(heads_doc(data)["num_clusters"])
    return (k, float(scores[str(k)])) if str(k) in scores else None


def silhouettes(data: SiteData) -> list[tuple[int, float]]:
    """Every k tried with its mean silhouette, by k."""
    scores = heads_doc(data).get("method", {}).get("silhouette", {})
    return sorted((int(k), float(v)) for k, v in scores.items())


def is_rough(data: SiteData) -> bool:
    best = best_silhouette(data)
    return best is None or best[1] < ROUGH_SILHOUETTE


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def mean_distance(data: SiteData, pairs: list[tuple[int, int]]) -> float | None:
    """Mean of heads.json distances over (k1, k2) pairs (None for no pairs)."""
    distance = heads_doc(data)["distance"]
    return _mean([distance[a][b] for a, b in pairs]) if pairs else None


def layer_distances(data: SiteData) -> tuple[float | None, float | None]:
    """Mean distance between two heads of the same layer, and of different layers."""
    k = data.total_heads
    same = [(a, b) for a in range(k) for b in range(a + 1, k)
            if a // data.num_heads == b // data.num_heads]
    other = [(a, b) for a in range(k) for b in range(a + 1, k)
             if a // data.num_heads != b // data.num_heads]
    return mean_distance(data, same), mean_distance(data, other)


def cluster_distance(data: SiteData, cluster: int) -> float | None:
    """Mean distance between two heads of the cluster (None for a single head)."""
    ks = [k for k, c in enumerate(heads_doc(data)["cluster"]) if c == cluster]
    return mean_distance(data, [(a, b) for i, a in enumerate(ks) for b in ks[i + 1:]])


def _describe(metric: str, inside: float, overall: float,
              targets: dict[str, str] = TRAIT_TARGETS) -> str:
    if metric in ENTROPY_TRAITS:
        kind = "broader" if inside > overall else "more focused"
        name, unit = ENTROPY_TRAITS[metric]
        return (f"are {kind} than most heads ({name} {inside:.2f}{unit} vs {overall:.2f} "
                f"overall)")
    name = targets[metric]
    verb = "attend more to" if inside > overall else "attend less to"
    return f"{verb} {name} ({inside:.0%} of their attention vs {overall:.0%} overall)"


def shared_traits(data: SiteData, members: list[tuple[int, int]]) -> list[str]:
    """Sentence parts saying how the members' general metrics differ from all heads'.

    A metric is a trait when the members' mean is at least ``TRAIT_MIN_Z`` standard deviations
    (over all heads) and, for shares, ``TRAIT_MIN_SHARE`` from the mean of all heads; the
    ``MAX_TRAITS`` largest are kept, largest first (ties: metric order)."""
    found = []
    metrics = DECODER_TRAIT_METRICS if data.is_decoder else TRAIT_METRICS
    targets = {**data.targets, "self": "the token itself"}
    for order, metric in enumerate(metrics):
        if metric not in data.metrics or not members:
            continue
        everyone = [data.value(metric, lay, h) for lay, h in data.heads()]
        overall = grid_mean(data.metrics[metric])
        std = _mean([(v - overall) ** 2 for v in everyone]) ** 0.5
        inside = _mean([data.value(metric, lay, h) for lay, h in members])
        if std == 0:
            continue
        z = (inside - overall) / std
        small = metric not in ENTROPY_TRAITS and abs(inside - overall) < TRAIT_MIN_SHARE
        if abs(z) >= TRAIT_MIN_Z and not small:
            found.append((-abs(z), order, _describe(metric, inside, overall, targets)))
    return [text for _, _, text in sorted(found)[:MAX_TRAITS]]


def label_counts(data: SiteData, members: list[tuple[int, int]]) -> list[tuple[str, int]]:
    """How many members carry each label (paper labels and pattern), most common first."""
    labels = heads_doc(data)["labels"]
    counts = Counter(label for lay, h in members
                     for label in labels[head_index(data, lay, h)])
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def layer_span(members: list[tuple[int, int]]) -> str:
    """The layers the members lie in, e.g. "layers 0, 2 and 3" or "layer 1"."""
    layers = sorted({lay for lay, _ in members})
    if len(layers) == 1:
        return f"layer {layers[0]}"
    return f"layers {', '.join(map(str, layers[:-1]))} and {layers[-1]}"


def nearest(data: SiteData, layer: int, head: int) -> list[tuple[int, int, float]]:
    """The head's nearest heads, closest first, with their distance."""
    doc = heads_doc(data)
    k = head_index(data, layer, head)
    return [(*head_at(data, other), doc["distance"][k][other]) for other in doc["nearest"][k]]


def distance_rank(data: SiteData, layer: int, head: int) -> tuple[float, float]:
    """The head's mean distance to all other heads, and the mean of that over all heads."""
    distance = heads_doc(data)["distance"]
    k, n = head_index(data, layer, head), data.total_heads
    if n < 2:
        return 0.0, 0.0
    own = sum(distance[k]) / (n - 1)
    overall = sum(sum(row) for row in distance) / (n * (n - 1))
    return own, overall


COLOUR_BY = ("cluster", "layer", "paper label", "pattern")
"""What the map can be coloured by (a radio button under the chart)."""
DECODER_COLOUR_BY = ("cluster", "layer", "label", "pattern")
"""... for a decoder, whose labels are not the paper's."""
_COLOUR_FIELD = {"cluster": "cluster", "layer": "layer_name", "paper label": "paper",
                 "label": "paper", "pattern": "pattern"}


def _colour_expression(options: tuple[str, ...] = COLOUR_BY) -> str:
    """Picks the field named by the ``colour_by`` param (our own names only, no corpus text)."""
    expr = "datum.cluster"
    for option in reversed(options[1:]):
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
    options = DECODER_COLOUR_BY if data.is_decoder else COLOUR_BY
    colour_by = alt.param(name="colour_by", value="cluster",
                          bind=alt.binding_radio(options=list(options), name="colour by: "))
    chart = alt.Chart(named("points")).transform_calculate(
        colour=_colour_expression(options)
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


def page_charts(data: SiteData, page: str) -> dict[str, Any]:
    return {"map": head_map(data, page)}


def cluster_pages(data: SiteData) -> list[ExtraPage]:
    """One page per head cluster (templates/cluster.md.j2)."""
    return [ExtraPage(cluster_page(c), "cluster.md.j2", f"Cluster {cluster_label(c)}",
                      {"cluster": c, "members": members})
            for c, members in enumerate(clusters(data))]


def findings(data: SiteData, page: str) -> list[str]:
    """Whether heads of the same layer sit closer together on the map than other heads."""
    same, other = layer_distances(data)
    if same is None or other is None:
        return []
    closer = "closer together" if same < other else "no closer together"
    return [f"Heads of the same layer sit {closer} than heads of different layers on the "
            f"[head map]({link(page, analysis_page('heads'))}): mean distance {same:.3f} "
            f"vs {other:.3f}."]


VIEW = View("heads", title="Head map and clusters", page_charts=page_charts,
            extra_pages=cluster_pages, findings=findings,
            globals={"heads_view": module(__name__), "cluster_label": cluster_label})
