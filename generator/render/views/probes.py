"""The view of probes.json (paper Table 3): attention probing classifiers.

Charts of the probes' UAS against the paper's and of the Attn probe's learned weight per head,
and the sentence on what attention alone recovers (on its page and the home page).
"""

from __future__ import annotations

from typing import Any

from generator.render.chart_kit import grid_heatmaps, score_bars
from generator.render.names import head_link
from generator.render.site_data import SiteData, grid_top
from generator.render.views.base import View
from generator.vocabulary import PROBE_DIRECTIONS

PAPER_UAS = {"attn": 0.61, "attn_embeddings": 0.77, "distances_embeddings": 0.58,
             "right_branching": 0.26}
"""The paper's Table 3 (BERT-base; its embeddings were GloVe), as fractions."""


def page_charts(data: SiteData, page: str) -> dict[str, Any]:
    doc = data.get("probes")
    rows = [{"label": row["label"], "score": doc["uas"][row["name"]],
             "reference": PAPER_UAS.get(row["name"])}
            for row in doc["rows"] if row["name"] in doc["uas"]]
    weights = doc["attn_weights"]
    grids = {PROBE_DIRECTIONS[d]: weights[d] for d in PROBE_DIRECTIONS if d in weights}
    return {
        "uas": score_bars(rows, title="Unlabelled attachment score (ticks: the paper, "
                          "BERT-base with GloVe)", x_title="UAS", reference_title="paper"),
        "weights": grid_heatmaps(grids, page, value_title="weight", diverging=True,
                                 title="The Attn probe's learned weight of each head's map"),
    }


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
        sentence += (f" It weights {head_link(page, layer, head)} most "
                     f"({grid[layer][head]:.3f}, word to candidate head).")
    return sentence


def findings(data: SiteData, page: str) -> list[str]:
    sentence = probe_sentence(data.get("probes"), page)
    return [sentence] if sentence else []


VIEW = View("probes", title="Attention probes (Table 3)", page_charts=page_charts,
            findings=findings,
            globals={"PROBE_DIRECTIONS": PROBE_DIRECTIONS, "PAPER_UAS": PAPER_UAS,
                     "probe_sentence": probe_sentence})
