"""What the syntax pages derive from results/syntax.json: table rows, near-best heads, examples.

Pure functions over the results document (no model, no attention), shared by the templates
(the Table-1 page, each head's and layer's section) and the home page's findings.
"""

from __future__ import annotations

from typing import Any

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


def head_accuracy(doc: dict[str, Any], relation: str, layer: int, head: int
                  ) -> tuple[float, str]:
    """A head's accuracy at a relation in its better direction (dep2head wins ties)."""
    acc = doc["relations"][relation]["accuracy"]
    best = max(DIRECTIONS, key=lambda d: (acc[d][layer][head], d == "dep2head"))
    return acc[best][layer][head], best


def near_best(doc: dict[str, Any], layer: int, head: int,
              margin: float = NEAR_BEST) -> list[dict[str, Any]]:
    """The relations at which this head is the best or within ``margin`` of the best head,
    in ``relation_order``; each with the head's accuracies, the best head and the baseline."""
    rows = []
    for relation in relation_order(doc):
        rel = doc["relations"][relation]
        value, direction = head_accuracy(doc, relation, layer, head)
        best = rel["best"]
        is_best = (best["layer"], best["head"]) == (layer, head)
        if not is_best and value < best["accuracy"] - margin:
            continue
        rows.append({
            "relation": relation, "count": rel["count"], "accuracy": value,
            "direction": direction, "is_best": is_best,
            "dep2head": rel["accuracy"]["dep2head"][layer][head],
            "head2dep": rel["accuracy"]["head2dep"][layer][head],
            "best": best, "baseline": rel["baseline"],
        })
    return rows


def best_in_layer(doc: dict[str, Any], layer: int) -> list[tuple[str, dict[str, Any]]]:
    """The relations whose best head lies in this layer, as (relation, best), in table order."""
    return [(r, doc["relations"][r]["best"]) for r in relation_order(doc)
            if doc["relations"][r]["best"]["layer"] == layer]


def mst_rank(doc: dict[str, Any], layer: int, head: int) -> tuple[float, str, int] | None:
    """A head's MST UUAS (better direction), that direction, and its rank among all heads
    (1 = highest, ties share the better rank); None without MST scores."""
    uuas = doc.get("mst", {}).get("uuas")
    if not uuas:
        return None
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
    the dependent right."""
    correct = set(example["correct"])
    arcs = []
    for dep, (gov, rel) in enumerate(zip(example["heads"], example["deprels"], strict=True)):
        if rel != example["relation"] or gov < 0:
            continue
        i, j = (dep, gov) if example["direction"] == "dep2head" else (gov, dep)
        arcs.append({"i": i, "j": j, "ok": dep in correct})
    return arcs


def widest_margin(doc: dict[str, Any]) -> str | None:
    """The relation (not "all") whose best head beats its best fixed offset by the most."""
    relations = doc.get("relations", {})
    candidates = [r for r in relations if r != "all"]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (relations[r]["best"]["accuracy"]
                                          - relations[r]["baseline"]["accuracy"],
                                          relations[r]["count"], r))
