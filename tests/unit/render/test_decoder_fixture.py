"""The decoder results fixture (tests/fixtures/results-decoder) is consistent: its derived values,
worked out by hand here, are those its grids give, and those the analyses' post-processors write
from the same grids (so the fixture follows the documented schema as the code writes it)."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from generator.analyses.behaviour import add_behaviour_labels
from generator.analyses.gradients import add_gradient_layer_means
from generator.analyses.headmap import nearest_heads
from generator.analyses.induction import top_heads
from generator.analyses.sinks import add_sinks
from generator.analyses.surface import add_layer_means
from generator.render.site_data import SiteData


def test_general_json_by_hand(decoder_data: SiteData) -> None:
    general = decoder_data.get("general")
    assert general["architecture_kind"] == "decoder"
    assert sorted(general["metrics"]) == ["entropy", "entropy_normalised", "first", "prev",
                                          "punct", "self"]
    means = general["layer_means"]
    # first [[.10, .35, .05], [.72, .45, .15]]: .5 / 3, 1.32 / 3
    assert means["first"] == pytest.approx([0.166667, 0.44], abs=1e-6)
    # entropy_normalised [[.30, .91, .50], [.28, .66, .42]]: 1.71 / 3, 1.36 / 3
    assert means["entropy_normalised"] == pytest.approx([0.57, 0.453333], abs=1e-6)
    sinks = general["sinks"]
    # first > .3: L0-H1 (.35), L1-H0 (.72), L1-H1 (.45)
    assert sinks["has_sink"] == [[False, True, False], [True, True, False]]
    assert sinks["layer_rate"] == pytest.approx([1 / 3, 2 / 3], abs=1e-6)
    assert (sinks["count"], sinks["heads"], sinks["rate"]) == (3, 6, 0.5)
    position = sinks["position"]
    # without BOS: L0-H1 .12 (lost: bos), L1-H0 .66 and L1-H1 .40 (kept: position 0)
    assert position["verdict"] == [[None, "bos", None], ["position 0", "position 0", None]]
    assert position["layer_verdict"] == ["bos", "position 0"]
    assert position["overall"] == "position 0"
    assert position["counts"] == {"bos": 1, "position 0": 2}
    with_bos = [v for row in position["with_bos"] for v in row]
    without = [v for row in position["without_bos"] for v in row]
    assert position["correlation"] == pytest.approx(np.corrcoef(with_bos, without)[0, 1],
                                                    abs=1e-6)
    induction = general["induction"]
    assert induction["top_heads"]["induction"][0] == {"layer": 1, "head": 1, "score": 0.82}
    assert induction["top_heads"]["duplicate"][0] == {"layer": 0, "head": 2, "score": 0.55}
    # mean of 1 / (i + 1) over i = 51..100 (BOS + 50 + 50): about ln(101.5 / 51.5) / 50
    assert induction["reference"]["uniform"] == pytest.approx(math.log(101.5 / 51.5) / 50,
                                                              abs=1e-5)


def test_heads_json_by_hand(decoder_data: SiteData) -> None:
    heads = decoder_data.get("heads")
    assert heads["attention"] == "causal" and heads["thresholds"]["kind"] == "decoder"
    # prev .62 (L0-H0), broad .91 (L0-H1), duplicate .55 (L0-H2), sink .72 (L1-H0),
    # induction .82 (L1-H1), punct .65 (L1-H2); patterns from vertical/diagonal:
    # .13/.72 diagonal, .45/.18 vertical, .17/.38 heterogeneous, .74/.08 vertical,
    # .53/.15 vertical, .80/.25 vertical+diagonal
    assert heads["labels"] == [["prev", "diagonal"], ["broad", "vertical"],
                               ["duplicate", "heterogeneous"], ["sink", "vertical"],
                               ["induction", "vertical"], ["punct", "vertical+diagonal"]]
    assert heads["paper_label"] == ["prev", "broad", "duplicate", "sink", "induction", "punct"]
    assert "block" not in heads["pattern_scores"] and "reference" not in heads
    # head 0's distances [0, .4, .5, .45, .1, .42]: nearest 4, 1, 5, 3, 2
    assert heads["nearest"][0] == [4, 1, 5, 3, 2]
    assert heads["nearest"] == nearest_heads(np.asarray(heads["distance"]))


def test_other_documents_by_hand(decoder_data: SiteData) -> None:
    gradients = decoder_data.get("gradients")
    assert gradients["groups"] == ["first", "punct", "other"]
    assert gradients["objective"]["name"] == "next_token"
    # first [[4, 3, 5], [1, .5, 1.5]] e-6
    assert gradients["per_layer"]["first"] == pytest.approx([4e-6, 1e-6])
    syntax = decoder_data.get("syntax")
    for name, rel in syntax["relations"].items():
        coverage = rel["coverage"]
        assert coverage["dep2head"] + coverage["head2dep"] == rel["count"], name
        for way in ("dep2head", "head2dep"):
            assert (rel["accuracy"][way] is None) == (coverage[way] == 0), name
            if coverage[way]:  # shares of the covered dependents
                for v in (v for row in rel["accuracy"][way] for v in row):
                    assert v * coverage[way] == pytest.approx(round(v * coverage[way]),
                                                              abs=1e-5)
        assert rel["baseline"] == rel["baseline_by_direction"][rel["best"]["direction"]]
        best = rel["best"]
        assert rel["accuracy"][best["direction"]][best["layer"]][best["head"]] == \
            best["accuracy"]
    assert syntax["mst"]["best"] == {"direction": "undirected", "layer": 1, "head": 0,
                                     "uuas": 0.6}
    assert decoder_data.get("manifest")["settings"]["bos"] == "on"


def test_derived_values_are_those_the_analyses_write(decoder_data: SiteData) -> None:
    general = copy.deepcopy(decoder_data.get("general"))
    heads = copy.deepcopy(decoder_data.get("heads"))
    gradients = copy.deepcopy(decoder_data.get("gradients"))
    for derived in ("layer_means", "sinks"):
        general.pop(derived)
    for derived in ("labels", "paper_label", "pattern", "thresholds"):
        heads.pop(derived)
    gradients.pop("per_layer")
    documents = {"general": general, "heads": heads, "gradients": gradients}
    add_layer_means(documents)
    add_sinks(documents)
    add_behaviour_labels(documents)
    add_gradient_layer_means(documents)
    assert general == decoder_data.get("general")
    assert heads == decoder_data.get("heads")
    assert gradients == decoder_data.get("gradients")
    induction = decoder_data.get("general")["induction"]
    assert induction["top_heads"]["induction"] == top_heads(induction["induction"])
