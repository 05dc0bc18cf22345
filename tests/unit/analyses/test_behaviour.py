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


# ---- decoders (SPEC section 11)

def decoder_documents(with_induction: bool = True, where: str = "top"):
    """2 layers x 2 heads of a decoder, [layer][head] grids as in general.json."""
    general = {"metrics": {
        "first": [[0.7, 0.1], [0.2, 0.65]],
        "punct": [[0.0, 0.0], [0.7, 0.0]],
        "prev": [[0.5, 0.55], [0.0, 0.0]],
        "self": [[0.1, 0.3], [0.05, 0.0]],
        "entropy": [[4.0, 4.0], [4.0, 4.0]],  # above the encoder's 3.8: never read for decoders
        "entropy_normalised": [[0.3, 0.5], [0.85, 0.2]],
    }}
    if where == "top":
        general["architecture_kind"] = "decoder"
    else:
        general["model"] = {"architecture_kind": "decoder"}
    if with_induction:
        general["induction"] = {"induction": [[0.0, 0.0], [0.1, 0.45]],
                                "duplicate": [[0.0, 0.41], [0.0, 0.5]]}
    return {"general": general, "heads": {}}


def test_decoder_labels_on_a_constructed_grid():
    documents = decoder_documents()
    add_behaviour_labels(documents)
    heads = documents["heads"]
    # head 0: prev 0.5 is not above 0.5; first 0.7 > 0.6 -> sink
    # head 1: prev 0.55 -> prev; duplicate 0.41 -> duplicate
    # head 2: entropy_normalised 0.85 -> broad; punct 0.7 -> punct
    # head 3: first 0.65 -> sink; induction 0.45, duplicate 0.5 -> both
    assert heads["labels"] == [["sink", "vertical+diagonal"], ["prev", "duplicate", "diagonal"],
                               ["broad", "punct", "vertical"],
                               ["sink", "induction", "duplicate", "vertical"]]
    assert heads["paper_label"] == ["sink", "duplicate", "punct", "duplicate"]
    # vertical = first + punct, diagonal = prev + self
    assert heads["pattern_scores"] == {"vertical": [0.7, 0.1, 0.9, 0.65],
                                       "diagonal": [0.6, 0.85, 0.05, 0.0]}
    assert heads["pattern"] == ["vertical+diagonal", "diagonal", "vertical", "vertical"]
    thresholds = heads["thresholds"]
    assert thresholds["kind"] == "decoder"
    assert [(r["label"], r["metric"], r["above"]) for r in thresholds["paper"]] == [
        ("prev", "prev", 0.5), ("broad", "entropy_normalised", 0.8), ("sink", "first", 0.6),
        ("punct", "punct", 0.6), ("induction", "induction", 0.4),
        ("duplicate", "duplicate", 0.4)]
    assert [p["label"] for p in thresholds["pattern"]] == [
        "vertical+diagonal", "vertical", "diagonal", "heterogeneous"]


def test_decoder_patterns_use_the_block_scores_when_blocks_ran():
    """blocks.py scored vertical/diagonal over the visible entries (heads.json attention =
    causal): the classes come from those scores, not from first + punct and prev + self."""
    documents = decoder_documents()
    documents["heads"]["attention"] = "causal"
    documents["heads"]["pattern_scores"] = {"vertical": [0.1, 0.5, 0.3, 0.1],
                                            "diagonal": [0.5, 0.1, 0.3, 0.1]}
    add_behaviour_labels(documents)
    heads = documents["heads"]
    # head 0: diagonal 0.5 -> diagonal; head 1: vertical 0.5 -> vertical;
    # head 2: both >= 0.25 -> vertical+diagonal; head 3: none -> heterogeneous
    assert heads["pattern"] == ["diagonal", "vertical", "vertical+diagonal", "heterogeneous"]
    assert heads["pattern_scores"]["vertical"] == [0.1, 0.5, 0.3, 0.1]
    assert "(first + punct)" not in heads["thresholds"]["pattern_scores"]["vertical"]


def test_decoder_labels_without_synthetic_sequences():
    documents = decoder_documents(with_induction=False, where="model")
    add_behaviour_labels(documents)
    heads = documents["heads"]
    assert heads["labels"] == [["sink", "vertical+diagonal"], ["prev", "diagonal"],
                               ["broad", "punct", "vertical"], ["sink", "vertical"]]
    assert [r["label"] for r in heads["thresholds"]["paper"]] == ["prev", "broad", "sink",
                                                                   "punct"]


def test_encoders_keep_the_paper_rules():
    """An encoder's heads.json is the same whether general.json names its kind or not."""
    grid = [[0.7, 0.1], [0.2, 0.65]]
    metrics = {name: grid for name in ("self", "next", "prev", "cls", "sep", "punct", "entropy")}
    plain = {"general": {"metrics": metrics}, "heads": {}}
    named = {"general": {"metrics": metrics, "architecture_kind": "encoder"}, "heads": {}}
    add_behaviour_labels(plain)
    add_behaviour_labels(named)
    assert named["heads"] == plain["heads"]
    assert "kind" not in plain["heads"]["thresholds"]
    assert plain["heads"]["labels"][0] == ["next", "prev", "cls", "sep", "punct",
                                           "vertical+diagonal"]
