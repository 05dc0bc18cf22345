"""Plain-language behaviour labels per head (SPEC section 9), from the general metrics.

Two kinds, both with every threshold written into heads.json so the pages can print them:

- The paper's labels (Clark et al. 2019, Figure 6): next > 0.5, prev > 0.5, entropy > 3.8
  ("broad"), cls > 0.6, sep > 0.6, punct > 0.6, applied in this order; the paper colours a head by
  the last one that applies (``paper_label``), ``labels`` keeps all of them.
- One pattern class of Kovaleva et al. (2019) per head (``pattern``), from three scores:
  vertical = mean mass on [CLS]/[SEP] columns (cls + sep), diagonal = mean mass on i-1, i, i+1
  (prev + self + next), block = mean mass a word gives to words of its own part (see blocks.py).
  The first rule that applies wins; "heterogeneous" when none does.

A decoder (general.json ``architecture_kind: "decoder"``, SPEC section 11) gets the same fields
from its own rules: prev > 0.5, broad = entropy_normalised > 0.8, sink = first > 0.6,
punct > 0.6, induction > 0.4, duplicate > 0.4 (the last two from general.json's ``induction``
block, left out when the synthetic sequences were not run), in this order. Its pattern classes
read vertical = mass on position 0 and "." / "," columns, diagonal = mass on i-1 and i, both over
rows i >= 1: blocks.py scores them over the visible entries when it ran (heads.json
``attention`` = "causal", ``pattern_scores``), else first + punct and prev + self from
general.json; no block class (a decoder segment has no [SEP]-delimited parts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rule:
    label: str
    metric: str
    above: float
    description: str

    def applies(self, scores: dict[str, float]) -> bool:
        return scores[self.metric] > self.above

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "metric": self.metric, "above": self.above,
                "description": self.description}


PAPER_RULES: tuple[Rule, ...] = (
    Rule("next", "next", 0.5, "over half of its attention goes to the next token"),
    Rule("prev", "prev", 0.5, "over half of its attention goes to the previous token"),
    Rule("broad", "entropy", 3.8, "attention entropy above 3.8 nats: spread broadly"),
    Rule("cls", "cls", 0.6, "over 60% of its attention goes to [CLS]"),
    Rule("sep", "sep", 0.6, "over 60% of its attention goes to [SEP]"),
    Rule("punct", "punct", 0.6, 'over 60% of its attention goes to "." or ","'),
)

# Evenly spread attention over 128 tokens gives ~0.02 to [CLS]/[SEP] and ~0.02 to i-1, i, i+1;
# a pattern "dominates" at 0.4 of all attention, two share a head at 0.25 each.
VERTICAL_DIAGONAL_MIN = 0.25
VERTICAL_MIN = 0.4
DIAGONAL_MIN = 0.4
BLOCK_MIN = 0.7
BLOCK_LIFT_MIN = 0.15

PATTERN_RULES: tuple[dict[str, Any], ...] = (
    {"label": "vertical+diagonal",
     "rule": f"vertical >= {VERTICAL_DIAGONAL_MIN} and diagonal >= {VERTICAL_DIAGONAL_MIN}",
     "description": "attends both to the special tokens and to itself and its neighbours"},
    {"label": "vertical", "rule": f"vertical >= {VERTICAL_MIN}",
     "description": "at least 40% of its attention goes to [CLS]/[SEP] columns"},
    {"label": "diagonal", "rule": f"diagonal >= {DIAGONAL_MIN}",
     "description": "at least 40% of its attention goes to the previous, same or next token"},
    {"label": "block",
     "rule": f"block >= {BLOCK_MIN} and block - block_uniform >= {BLOCK_LIFT_MIN}",
     "description": "words attend within their own sentence of the pair, clearly more than "
                    "evenly spread attention would"},
    {"label": "heterogeneous", "rule": "none of the above",
     "description": "no single pattern dominates"},
)



def paper_labels(scores: dict[str, float]) -> list[str]:
    """Every paper label whose threshold one head's metrics exceed, in rule order."""
    return [rule.label for rule in PAPER_RULES if rule.applies(scores)]


def pattern_class(vertical: float, diagonal: float, block: float | None,
                  block_uniform: float) -> str:
    """The Kovaleva et al. class of one head: the first rule of PATTERN_RULES that applies
    (``block`` None: a decoder, DECODER_PATTERN_RULES, never "block")."""
    if vertical >= VERTICAL_DIAGONAL_MIN and diagonal >= VERTICAL_DIAGONAL_MIN:
        return "vertical+diagonal"
    if vertical >= VERTICAL_MIN:
        return "vertical"
    if diagonal >= DIAGONAL_MIN:
        return "diagonal"
    if block is not None and block >= BLOCK_MIN and block - block_uniform >= BLOCK_LIFT_MIN:
        return "block"
    return "heterogeneous"


def _flat(grid: list[list[float]]) -> list[float]:
    return [v for row in grid for v in row]


def architecture_kind(general: dict[str, Any]) -> str:
    """"decoder" or "encoder", as general.json says (top level, else its ``model``); encoder when
    it says nothing."""
    kind = general.get("architecture_kind", general.get("model", {}).get("architecture_kind"))
    return "decoder" if kind == "decoder" else "encoder"


def add_behaviour_labels(documents: dict[str, dict[str, Any]]) -> None:
    """Post-processing: labels, paper_label, pattern and their scores and thresholds, in heads.json.

    Reads the general metrics ([layer][head] grids) and heads.json's block scores; heads are
    numbered ``layer * num_heads + head``. A decoder's heads get the rules of SPEC section 11
    (``add_decoder_labels``).
    """
    general, heads = documents.get("general"), documents.get("heads")
    if general is None or heads is None or "metrics" not in general:
        return
    if architecture_kind(general) == "decoder":
        add_decoder_labels(general, heads)
        return
    metrics = {name: _flat(general["metrics"][name])
               for name in ("self", "next", "prev", "cls", "sep", "punct", "entropy")}
    count = len(metrics["self"])
    scores = heads.setdefault("pattern_scores", {})
    patterns, pattern_thresholds = pattern_classes(metrics, scores, heads, count)
    matched = [paper_labels({name: values[k] for name, values in metrics.items()})
               for k in range(count)]
    heads["paper_label"] = [m[-1] if m else None for m in matched]
    heads["pattern"] = patterns
    heads["labels"] = [m + [p] for m, p in zip(matched, patterns, strict=True)]
    heads["thresholds"] = {
        "paper": [rule.as_dict() for rule in PAPER_RULES],
        "paper_order": "applied in this order; the paper colours a head by the last that applies",
        "pattern_order": "the first rule that applies gives the class",
        **pattern_thresholds,
    }


def pattern_classes(metrics: dict[str, list[float]], scores: dict[str, Any],
                    heads: dict[str, Any], count: int) -> tuple[list[str], dict[str, Any]]:
    """An encoder's pattern class of every head, and the ``thresholds`` entries that state the
    rules: vertical and diagonal come from the general metrics and are written into ``scores``.
    (A decoder's classes are made in ``add_decoder_labels``.)"""
    vertical = [metrics["cls"][k] + metrics["sep"][k] for k in range(count)]
    diagonal = [metrics["prev"][k] + metrics["self"][k] + metrics["next"][k] for k in range(count)]
    block = scores.get("block", [0.0] * count)
    block_uniform = heads.get("reference", {}).get("block_uniform", 0.0)
    scores["vertical"] = [round(v, 6) for v in vertical]
    scores["diagonal"] = [round(v, 6) for v in diagonal]
    patterns = [pattern_class(vertical[k], diagonal[k], block[k], block_uniform)
                for k in range(count)]
    return patterns, {
        "pattern": list(PATTERN_RULES),
        "pattern_scores": {
            "vertical": "mean attention to [CLS] and [SEP] columns (cls + sep)",
            "diagonal": "mean attention to the previous, same and next token (prev + self + next)",
            "block": "mean attention a word gives to words of its own part ([SEP]-delimited)",
            "block_uniform": "block for attention spread evenly over all tokens",
        },
    }


# ---- decoders (SPEC section 11)

DECODER_BROAD_MIN = 0.8
SINK_LABEL_MIN = 0.6
INDUCTION_LABEL_MIN = 0.4

DECODER_RULES: tuple[Rule, ...] = (
    Rule("prev", "prev", 0.5, "over half of its attention goes to the previous token"),
    Rule("broad", "entropy_normalised", DECODER_BROAD_MIN,
         "normalised entropy above 0.8: spread broadly over the tokens it can see"),
    Rule("sink", "first", SINK_LABEL_MIN,
         "over 60% of its attention goes to position 0 (the attention sink)"),
    Rule("punct", "punct", 0.6, 'over 60% of its attention goes to "." or ","'),
    Rule("induction", "induction", INDUCTION_LABEL_MIN,
         "on repeated random tokens, over 40% of its attention goes to the token that followed "
         "the earlier occurrence of the current token"),
    Rule("duplicate", "duplicate", INDUCTION_LABEL_MIN,
         "on repeated random tokens, over 40% of its attention goes to the earlier occurrence "
         "of the current token"),
)

DECODER_PATTERN_RULES: tuple[dict[str, Any], ...] = (
    {"label": "vertical+diagonal",
     "rule": f"vertical >= {VERTICAL_DIAGONAL_MIN} and diagonal >= {VERTICAL_DIAGONAL_MIN}",
     "description": "attends both to position 0 or punctuation and to itself and the previous "
                    "token"},
    {"label": "vertical", "rule": f"vertical >= {VERTICAL_MIN}",
     "description": 'at least 40% of its attention goes to position 0 and "." or "," columns'},
    {"label": "diagonal", "rule": f"diagonal >= {DIAGONAL_MIN}",
     "description": "at least 40% of its attention goes to the previous or same token"},
    {"label": "heterogeneous", "rule": "none of the above",
     "description": "no single pattern dominates"},
)


def add_decoder_labels(general: dict[str, Any], heads: dict[str, Any]) -> None:
    """heads.json's labels for a decoder, in the encoder's fields: ``paper_label`` is the last
    rule of DECODER_RULES that applies (the key keeps its name so the pages read one layout),
    ``thresholds.paper`` lists the rules applied and ``thresholds.kind`` is "decoder"."""
    grids = dict(general["metrics"])
    induction = general.get("induction") or {}
    for name in ("induction", "duplicate"):
        if name in induction:
            grids[name] = induction[name]
    rules = tuple(rule for rule in DECODER_RULES if rule.metric in grids)
    needed = {rule.metric for rule in rules} | {"first", "punct", "prev", "self"}
    metrics = {name: _flat(grids[name]) for name in sorted(needed)}
    count = len(metrics["first"])
    scores = heads.setdefault("pattern_scores", {})
    scored = heads.get("attention") == "causal" and "vertical" in scores  # by blocks.py
    if scored:
        vertical, diagonal = list(scores["vertical"]), list(scores["diagonal"])
    else:  # from the general metrics (position 0 counts twice if it is "." or ",")
        vertical = [metrics["first"][k] + metrics["punct"][k] for k in range(count)]
        diagonal = [metrics["prev"][k] + metrics["self"][k] for k in range(count)]
        scores["vertical"] = [round(v, 6) for v in vertical]
        scores["diagonal"] = [round(v, 6) for v in diagonal]
    matched = [[rule.label for rule in rules if metrics[rule.metric][k] > rule.above]
               for k in range(count)]
    patterns = [pattern_class(vertical[k], diagonal[k], None, 0.0) for k in range(count)]
    heads["paper_label"] = [m[-1] if m else None for m in matched]
    heads["pattern"] = patterns
    heads["labels"] = [m + [p] for m, p in zip(matched, patterns, strict=True)]
    heads["thresholds"] = {
        "kind": "decoder",
        "paper": [rule.as_dict() for rule in rules],
        "paper_order": "applied in this order; the label shown is the last that applies",
        "pattern": list(DECODER_PATTERN_RULES),
        "pattern_order": "the first rule that applies gives the class",
        "pattern_scores": {
            "vertical": 'mean attention to position 0 and "." or "," columns, rows i >= 1'
                        + ("" if scored else " (first + punct)"),
            "diagonal": "mean attention to the previous and same token, rows i >= 1"
                        + ("" if scored else " (prev + self)"),
        },
    }
