"""Behaviour labels: the paper's thresholds in order and the pattern classes, on made-up grids."""

from __future__ import annotations

from generator.analyses.behaviour import (
    PAPER_RULES,
    add_behaviour_labels,
    paper_labels,
    pattern_class,
)

ZERO = {"self": 0.0, "next": 0.0, "prev": 0.0, "cls": 0.0, "sep": 0.0, "punct": 0.0,
        "entropy": 1.0}


def scores(**values: float) -> dict[str, float]:
    return {**ZERO, **values}


def test_paper_thresholds_are_strict_and_in_order():
    assert paper_labels(scores(next=0.5)) == []
    assert paper_labels(scores(next=0.51)) == ["next"]
    assert paper_labels(scores(prev=0.7, entropy=3.81)) == ["prev", "broad"]
    assert paper_labels(scores(entropy=3.9, sep=0.65, punct=0.61)) == ["broad", "sep", "punct"]
    assert paper_labels(scores(cls=0.6)) == []
    assert [r.label for r in PAPER_RULES] == ["next", "prev", "broad", "cls", "sep", "punct"]


def test_pattern_classes():
    assert pattern_class(0.3, 0.3, 0.0, 0.5) == "vertical+diagonal"
    assert pattern_class(0.9, 0.1, 0.0, 0.5) == "vertical"
    assert pattern_class(0.1, 0.45, 0.9, 0.5) == "diagonal"
    assert pattern_class(0.1, 0.1, 0.9, 0.5) == "block"
    assert pattern_class(0.1, 0.1, 0.75, 0.65) == "heterogeneous"  # not above uniform enough
    assert pattern_class(0.35, 0.2, 0.5, 0.5) == "heterogeneous"


def test_labels_on_a_constructed_metric_grid():
    # 2 layers x 2 heads, [layer][head] grids as in general.json.
    def grid(a, b, c, d):
        return [[a, b], [c, d]]

    general = {"metrics": {
        "self": grid(0.0, 0.3, 0.0, 0.0),
        "next": grid(0.8, 0.0, 0.0, 0.0),
        "prev": grid(0.0, 0.0, 0.0, 0.0),
        "cls": grid(0.0, 0.3, 0.0, 0.7),
        "sep": grid(0.0, 0.0, 0.0, 0.0),
        "punct": grid(0.0, 0.0, 0.0, 0.0),
        "entropy": grid(1.0, 2.0, 4.0, 3.9),
    }}
    heads = {"pattern_scores": {"block": [0.9, 0.4, 0.95, 0.2]},
             "reference": {"block_uniform": 0.5}}
    documents = {"general": general, "heads": heads}
    add_behaviour_labels(documents)
    assert heads["paper_label"] == ["next", None, "broad", "cls"]
    assert heads["pattern"] == ["diagonal", "vertical+diagonal", "block", "vertical"]
    assert heads["labels"] == [["next", "diagonal"], ["vertical+diagonal"], ["broad", "block"],
                               ["broad", "cls", "vertical"]]
    assert heads["pattern_scores"]["vertical"] == [0.0, 0.3, 0.0, 0.7]
    assert heads["pattern_scores"]["diagonal"] == [0.8, 0.3, 0.0, 0.0]
    assert [r["above"] for r in heads["thresholds"]["paper"]] == [0.5, 0.5, 3.8, 0.6, 0.6, 0.6]
    assert len(heads["thresholds"]["pattern"]) == 5
