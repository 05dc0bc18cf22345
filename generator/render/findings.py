"""The home page's main findings, written as sentences computed from the results.

Each finding is plain Markdown built from numbers and head names only (no corpus text), so it
needs no escaping. Findings whose inputs are missing are left out.
"""

from __future__ import annotations

import math
from typing import Any

from generator.render import syntax_view
from generator.render.escape import text as escape_text
from generator.render.heads_view import layer_distances
from generator.render.names import analysis_page, head_label, head_page, link
from generator.render.site_data import SiteData, grid_top
from generator.vocabulary import OBJECTIVE_NAMES

PAPER_THRESHOLDS = {"next": 0.5, "prev": 0.5, "cls": 0.6, "sep": 0.6, "punct": 0.6}
"""The paper's thresholds for calling a head a next/previous/[CLS]/[SEP]/punctuation head."""
BROAD_ENTROPY = 3.8
"""The paper's threshold (nats) for a broad head."""
PAPER_UAS = {"attn": 0.61, "attn_embeddings": 0.77, "distances_embeddings": 0.58,
             "right_branching": 0.26}
"""The paper's Table 3 (BERT-base; its embeddings were GloVe), as fractions."""
SEP_MARGIN = 1.1
"""The gradient to [SEP] counts as smaller than to other tokens when at least this much smaller."""


def _head_link(layer: int, head: int, page: str) -> str:
    return f"[{head_label(layer, head)}]({link(page, head_page(layer, head))})"


def _best(data: SiteData, metric: str) -> tuple[int, int, float]:
    grid = data.metrics[metric]
    layer, head = max(data.heads(), key=lambda lh: (grid[lh[0]][lh[1]], -lh[0], -lh[1]))
    return layer, head, grid[layer][head]


def _layer_means(data: SiteData, metric: str) -> list[float]:
    return [sum(row) / len(row) for row in data.metrics[metric]]


def findings(data: SiteData, page: str = "index.md") -> list[str]:
    """Sentences about the model's heads, most telling first."""
    out: list[str] = []
    m = data.metrics
    for metric, name in (("sep", "[SEP]"), ("cls", "[CLS]"), ("punct", '"." and ","')):
        if metric not in m:
            continue
        means = _layer_means(data, metric)
        top = max(range(len(means)), key=lambda i: (means[i], -i))
        over_half = [i for i, v in enumerate(means) if v > 0.5]
        sentence = (f"Attention to {name} peaks in layer {top}, where heads give it "
                    f"{means[top]:.0%} of their attention on average")
        if over_half:
            sentence += (f"; it takes over half of all attention in layer"
                         f"{'s' if len(over_half) > 1 else ''} "
                         f"{', '.join(str(i) for i in over_half)}")
        out.append(sentence + ".")
    for metric, name in (("prev", "previous"), ("next", "next"), ("self", "same")):
        if metric in m:
            layer, head, value = _best(data, metric)
            count = sum(1 for lh in data.heads() if m[metric][lh[0]][lh[1]] > 0.5)
            out.append(f"The strongest {name}-token head is {_head_link(layer, head, page)}, "
                       f"with {value:.0%} of its attention on the {name} token; "
                       f"{count} head{'s' if count != 1 else ''} put over half there.")
    if "entropy" in m:
        layer, head, value = _best(data, "entropy")
        broad = sum(1 for lh in data.heads() if m["entropy"][lh[0]][lh[1]] > BROAD_ENTROPY)
        uniform = data.uniform_entropy()
        tail = f" (uniform attention: {uniform:.2f} nats)" if uniform else ""
        out.append(f"The broadest head is {_head_link(layer, head, page)}, with an entropy of "
                   f"{value:.2f} nats{tail}; {broad} of {data.total_heads} heads exceed the "
                   f"paper's {BROAD_ENTROPY} nats.")
    if "cls_entropy" in m:
        last = _layer_means(data, "cls_entropy")[-1]
        out.append(f"In the last layer the [CLS] token's attention has an entropy of {last:.2f} "
                   f"nats on average (the paper measured 3.89 for BERT-base).")
    if "sep_sep" in m:
        means = _layer_means(data, "sep_sep")
        top = max(range(len(means)), key=lambda i: (means[i], -i))
        out.append(f"[SEP] tokens attend to [SEP] most in layer {top} ({means[top]:.0%}).")
    for sentence in (gradient_sep_sentence(data.get("gradients")),
                     probe_sentence(data.get("probes"), page)):
        if sentence:
            out.append(sentence)
    out += syntax_findings(data, page)
    return out + _coref_findings(data, page) + _heads_findings(data, page)


def _coref_findings(data: SiteData, page: str) -> list[str]:
    best = data.get("coref").get("best")
    if not best:
        return []
    nearest = data.get("coref").get("baselines", {}).get("nearest", {}).get("accuracy")
    tail = f" (nearest-mention baseline: {nearest:.0%})" if nearest is not None else ""
    return [f"The best coreference head, {_head_link(best['layer'], best['head'], page)}, "
            f"links {best['accuracy']:.0%} of mentions to a correct antecedent{tail}."]


def _heads_findings(data: SiteData, page: str) -> list[str]:
    if not data.has("heads"):
        return []
    same, other = layer_distances(data)
    if same is None or other is None:
        return []
    closer = "closer together" if same < other else "no closer together"
    return [f"Heads of the same layer sit {closer} than heads of different layers on the "
            f"[head map]({link(page, analysis_page('heads'))}): mean distance {same:.3f} "
            f"vs {other:.3f}."]


def syntax_findings(data: SiteData, page: str) -> list[str]:
    """The relation a head tracks best against its fixed-offset baseline, and "all" relations.
    Relation labels come from the treebank: they are escaped."""
    doc = data.get("syntax")
    relations = doc.get("relations", {})
    terms = syntax_view.tree_terms(doc)
    out = []
    relation = syntax_view.widest_margin(doc)
    if relation is not None:
        rel = relations[relation]
        best, base = rel["best"], rel["baseline"]
        out.append(f"Head {_head_link(best['layer'], best['head'], page)} finds the "
                   f"{terms['head']} of {escape_text(relation)} dependents "
                   f"{best['accuracy']:.0%} of the time ({best['direction']}), against "
                   f"{base['accuracy']:.0%} for the best fixed offset ({base['offset']:+d}): "
                   f"the widest margin of any relation ({terms['trees']}).")
    if "all" in relations:
        best, base = relations["all"]["best"], relations["all"]["baseline"]
        sentence = (f"Over all relations together, the best head, "
                    f"{_head_link(best['layer'], best['head'], page)}, finds "
                    f"{best['accuracy']:.0%} of the {terms['head']}s (best fixed offset: "
                    f"{base['accuracy']:.0%})")
        mst = doc.get("mst", {}).get("best")
        if mst:
            sentence += (f"; the best maximum spanning trees of a head's attention "
                         f"({_head_link(mst['layer'], mst['head'], page)}) recover "
                         f"{mst['uuas']:.0%} of {terms['edges']}, ignoring direction")
        out.append(sentence + ".")
    return out


def behaviour_counts(data: SiteData) -> list[tuple[str, int]]:
    """How many heads pass each of the paper's thresholds, for the home page table."""
    m = data.metrics
    names = {"next": "next token > 50%", "prev": "previous token > 50%",
             "cls": "[CLS] > 60%", "sep": "[SEP] > 60%", "punct": '"." or "," > 60%'}
    rows = []
    for metric, threshold in PAPER_THRESHOLDS.items():
        if metric in m:
            rows.append((names[metric], sum(1 for lh in data.heads()
                                            if m[metric][lh[0]][lh[1]] > threshold)))
    if "entropy" in m:
        rows.append((f"broad (entropy > {BROAD_ENTROPY} nats)",
                     sum(1 for lh in data.heads() if m["entropy"][lh[0]][lh[1]] > BROAD_ENTROPY)))
    return rows


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


def probe_sentence(doc: dict[str, Any], page: str = "index.md") -> str | None:
    """The Attn probe's UAS against right-branching and the paper, and its most weighted head."""
    uas = doc.get("uas", {})
    if "attn" not in uas:
        return None
    sentence = (f"From attention alone, the Attn probe attaches {uas['attn']:.0%} of held-out "
                f"words to their syntactic head (paper: {PAPER_UAS['attn']:.0%})")
    others = [f"{label} {uas[name]:.0%}" for name, label in
              (("right_branching", "right-branching"), ("attn_embeddings", "Attn + embeddings"))
              if name in uas]
    sentence += ("; " + ", ".join(others) if others else "") + "."
    grid = doc.get("attn_weights", {}).get("dependent_to_head")
    if grid:
        layer, head = grid_top(grid)
        sentence += (f" It weights {_head_link(layer, head, page)} most "
                     f"({grid[layer][head]:.3f}, word to candidate head).")
    return sentence
