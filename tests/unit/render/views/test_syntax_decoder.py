"""The syntax view on a decoder's syntax.json (tests/fixtures/results-decoder): directions that
cover part of the dependents, null accuracies, per-direction baselines, one undirected tree per
head; answers worked out by hand."""

from __future__ import annotations

import copy
import json

import pytest

from generator.render.site_data import SiteData
from generator.render.views import syntax as S
from tests.unit.render.specs import expressions


@pytest.fixture
def doc(decoder_data: SiteData) -> dict:
    return decoder_data.get("syntax")


def test_directions_the_best_head_is_chosen_from(doc: dict) -> None:
    # min_relation_count 3; coverage all 5 / 7, det 0 / 4, nsubj 1 / 2 (neither reaches 3:
    # the direction covering more)
    assert S.directions(doc, "all") == ("dep2head", "head2dep")
    assert S.directions(doc, "det") == ("head2dep",)
    assert S.directions(doc, "nsubj") == ("head2dep",)
    doc = copy.deepcopy(doc)
    doc["relations"]["nsubj"]["coverage"] = {"dep2head": 1, "head2dep": 1}
    assert S.directions(doc, "nsubj") == ("dep2head", "head2dep")  # a tie: both
    doc["relations"]["nsubj"]["coverage"] = {"dep2head": 0, "head2dep": 0}
    assert S.directions(doc, "nsubj") == ()
    assert S.is_causal(doc)


def test_head_accuracy_over_those_directions(doc: dict) -> None:
    # nsubj: L0-H1 finds the 1 dep2head dependent (1.0), but head2dep (0.0) is the one counted
    assert S.head_accuracy(doc, "nsubj", 0, 1) == (0.0, "head2dep")
    assert S.head_accuracy(doc, "all", 0, 0) == (0.285714, "head2dep")  # .2 vs .285714
    assert S.head_accuracy(doc, "all", 1, 0) == (0.8, "dep2head")
    assert S.head_accuracy(doc, "det", 1, 1) == (1.0, "head2dep")  # dep2head is null


def test_near_best_with_null_accuracies(doc: dict) -> None:
    # L1-H1: all .714 (head2dep) < .8 - .05; det 1.0 (best); nsubj head2dep .5 < 1 - .05
    rows = S.near_best(doc, 1, 1)
    assert [(r["relation"], r["is_best"]) for r in rows] == [("det", True)]
    assert rows[0]["dep2head"] is None and rows[0]["head2dep"] == 1.0
    # the baseline on the same dependents: det's head2dep offset +1, .75
    assert rows[0]["baseline"] == {"offset": 1, "accuracy": 0.75, "ci": [0.5, 1.0],
                                   "by_offset": {"1": 0.75, "2": 0.25, "3": 0.0}}
    # L1-H0 is the best head of all (.8, dep2head): baseline dep2head -1, .6
    rows = S.near_best(doc, 1, 0)
    assert [r["relation"] for r in rows] == ["all"] and rows[0]["baseline"]["offset"] == -1
    # a relation that no direction covers has no best head and is left out
    doc = copy.deepcopy(doc)
    doc["relations"]["det"]["best"] = None
    assert S.near_best(doc, 1, 1) == [] and ("det", None) not in S.best_in_layer(doc, 1)


def test_best_in_layer_and_mst_rank(doc: dict) -> None:
    assert [r for r, _ in S.best_in_layer(doc, 1)] == ["all", "det"]
    assert [r for r, _ in S.best_in_layer(doc, 0)] == ["nsubj"]
    # undirected uuas [[.3, .5, .4], [.6, .45, .2]]
    assert S.mst_rank(doc, 1, 0) == (0.6, "undirected", 1)
    assert S.mst_rank(doc, 0, 0) == (0.3, "undirected", 5)


def test_example_arcs_are_those_its_direction_covers(doc: dict) -> None:
    example = doc["examples"][0]
    # det dependents 0 (head 1) and 4 (head 5), head2dep: drawn from the head, both found
    assert S.relation_arcs(example) == [{"i": 1, "j": 0, "ok": True},
                                        {"i": 5, "j": 4, "ok": True}]
    example = {**example, "covered": [4], "correct": [4]}
    assert S.relation_arcs(example) == [{"i": 5, "j": 4, "ok": True}]


def test_decoder_syntax_findings(decoder_data: SiteData, doc: dict) -> None:
    # margins over the baseline: det 1.0 - .75, nsubj 1.0 - .5: nsubj is the widest
    assert S.widest_margin(doc) == "nsubj"
    text = S.findings(decoder_data, "index.md")
    assert text[0] == (
        "Head [L0-H2](heads/L0-H2.md) finds the gold head of nsubj dependents 100% of the time "
        "(head2dep, over the 2 dependents it covers), against 50% for the best fixed offset "
        "(+1): the widest margin of any relation (gold trees).")
    assert text[1] == (
        "Over all relations together, the best head, [L1-H0](heads/L1-H0.md), finds the gold "
        "head of 80% of the 5 dependents that dep2head covers (of 12; best fixed offset on the "
        "same dependents: 60%); the best maximum spanning trees of a head's attention "
        "([L1-H0](heads/L1-H0.md)) recover 60% of gold edges, ignoring direction.")


def test_causal_accuracy_heatmap(decoder_data: SiteData, doc: dict) -> None:
    spec = S.accuracy_heatmap(doc, "analyses/syntax.md")
    by_layer = spec["datasets"]["acc"]
    assert len(by_layer) == 3 * 2  # relations x layers, each layer's heads as arrays
    assert '{"flatten": ["h", "d", "g", "b", "w"]}' in json.dumps(spec)
    rows = {(r["r"], r["l"], r["h"][i]): {"r": r["r"], "l": r["l"],
                                          **{k: r[k][i] for k in ("h", "d", "g", "b", "w")}}
            for r in by_layer for i in range(len(r["h"]))}
    assert len(rows) == 3 * 6
    # all, L0-H0: dep2head .2, head2dep .285714: better head2dep
    assert rows[("all", 0, 0)] == {"r": "all", "l": 0, "h": 0, "d": 0.2, "g": 0.285714,
                                   "b": 0.285714, "w": "head2dep"}
    # det covers no dep2head: null; nsubj's better is head2dep alone (L0-H1: 1.0 vs 0.0)
    assert rows[("det", 1, 1)]["d"] is None and rows[("det", 1, 1)]["b"] == 1.0
    assert rows[("nsubj", 0, 1)]["d"] == 1.0 and rows[("nsubj", 0, 1)]["b"] == 0.0
    info = {r["r"]: r for r in spec["datasets"]["rels"]}
    assert info["det"] == {"r": "det", "n": 4, "nd": 0, "ng": 4, "bd": None, "bg": 0.75}
    assert info["all"]["bd"] == 0.6 and info["all"]["bg"] == 0.428571
    for expression in expressions(spec):
        assert "nsubj" not in expression and "det" not in expression
    assert (spec["width"], spec["height"]) == (3 * 54, 26 * 2 + 10)


def test_undirected_mst_heatmap(doc: dict) -> None:
    spec = S.mst_heatmap(doc, "analyses/syntax.md")
    cells = {c["name"]: c for c in spec["datasets"]["cells"]}
    assert cells["L1-H0"]["uuas"] == 0.6 and cells["L1-H0"]["label"] == "60"
    assert cells["L0-H0"]["url"] == "../heads/L0-H0.html"
    assert "d" not in cells["L0-H0"]
