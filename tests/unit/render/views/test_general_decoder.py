"""The general view of a decoder's general.json: its home-page sentences (sinks, BOS or position 0,
broadest head, induction and duplicate heads), threshold counts and charts, against values worked
out by hand from tests/fixtures/results-decoder or small documents."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.render.site_data import SiteData
from generator.render.views import findings
from generator.render.views import general as gv


def test_sink_rate_sentence(decoder_data: SiteData) -> None:
    # first > .3: L0-H1 of layer 0 (1 of 3), L1-H0 and L1-H1 of layer 1 (2 of 3); 3 of 6
    assert gv.decoder_sink_sentences(decoder_data)[0] == (
        "3 of 6 heads (50%) have an attention sink: over 30% of their attention goes to the BOS "
        "token (position 0). The sink rate by layer (0 to 1): 33%, 67%.")


def test_sink_position_sentence(decoder_data: SiteData) -> None:
    # sink heads L0-H1 (.35 -> .12 without BOS: bos), L1-H0 (.72 -> .66) and L1-H1 (.45 -> .40):
    # 2 keep position 0, 1 loses it; layer 0's only sink head follows the BOS token;
    # corr([.10, .35, .05, .72, .45, .15], [.08, .12, .04, .66, .40, .18]) = .93
    assert gv.sink_position_sentence(decoder_data) == (
        "Without the BOS token (4 of the segments, each starting with its first word), 2 of the "
        "3 sink heads still give over 30% of their attention to position 0 and 1 loses it: the "
        "sink is position 0, whatever token is there, not the BOS token (as Xiao et al. 2023 "
        "found), except in layer 0 (the BOS token); over all heads the two measures of "
        "attention to position 0 correlate at 0.93.")


def _position(layer_verdict: list[Any], counts: dict[str, int], overall: str | None,
              correlation: float | None = None) -> SiteData:
    general = {"architecture_kind": "decoder", "no_bos": {"segments": 64},
               "sinks": {"position": {"threshold": 0.3, "layer_verdict": layer_verdict,
                                      "counts": counts, "overall": overall,
                                      "correlation": correlation}}}
    return SiteData({"general": general}, len(layer_verdict), 2)


def test_sink_position_sentence_for_a_bos_sink() -> None:
    # 3 heads follow the BOS token, 1 stays: overall bos; layer 1 mixed, layer 3 position 0
    data = _position(["bos", "mixed", None, "position 0"], {"bos": 3, "position 0": 1}, "bos")
    assert gv.sink_position_sentence(data) == (
        "Without the BOS token (64 of the segments, each starting with its first word), 1 of the "
        "4 sink heads still gives over 30% of their attention to position 0 and 3 lose it: the "
        "sink goes with the BOS token, not with position 0, except in layer 1 (mixed) and "
        "layer 3 (position 0).")


def test_sink_position_sentence_when_split_or_absent() -> None:
    data = _position(["bos", "position 0"], {"bos": 1, "position 0": 1}, "mixed", 0.5)
    assert gv.sink_position_sentence(data) == (
        "Without the BOS token (64 of the segments, each starting with its first word), 1 of the "
        "2 sink heads still gives over 30% of their attention to position 0 and 1 loses it: as "
        "many sink heads follow the BOS token as stay on position 0, except in layer 0 (the BOS "
        "token) and layer 1 (position 0); over all heads the two measures of attention to "
        "position 0 correlate at 0.50.")
    # no sink head at all, or no run without BOS: nothing to say
    assert gv.sink_position_sentence(_position([None], {"bos": 0, "position 0": 0}, None)) is None
    assert gv.sink_position_sentence(SiteData({"general": {"sinks": {}}}, 1, 1)) is None


def test_decoder_findings(decoder_data: SiteData) -> None:
    text = findings(decoder_data)
    # first layer means .167, .44 -> layer 1; punct .083, .25 -> layer 1
    assert ("Attention to the BOS token (position 0) peaks in layer 1, where heads give it 44% "
            "of their attention on average.") in text
    assert ('Attention to "." and "," peaks in layer 1, where heads give it 25% of their '
            "attention on average.") in text
    assert ("The strongest previous-token head is [L0-H0](heads/L0-H0.md), with 62% of its "
            "attention on the previous token; 1 head put over half there.") in text
    # entropy_normalised [[.30, .91, .50], [.28, .66, .42]]: L0-H1, the only one above .8
    assert ("The broadest head is [L0-H1](heads/L0-H1.md), with a normalised entropy of 0.91 "
            "(1 = attention spread evenly over the tokens it can see); 1 of 6 heads exceed "
            "0.8.") in text
    # induction .82 (L1-H1), duplicate .55 (L0-H2); uniform mean 1/(i + 1), i = 51..100: 1.4%
    assert ("The strongest induction head is [L1-H1](heads/L1-H1.md): on repeated random "
            "tokens it gives 82% of its attention to the token that followed the earlier "
            "occurrence of the current token (evenly spread attention: 1.4%); 1 head scores "
            "over 40% ([induction and duplicate heads](analyses/induction.md)).") in text
    assert any(s.startswith("The strongest duplicate-token head is [L0-H2](heads/L0-H2.md): "
                            "on repeated random tokens it gives 55% of its attention to the "
                            "earlier occurrence of the current token") for s in text)
    # the sink sentences come first; nothing of [CLS], [SEP] or the next token
    assert text[0].startswith("3 of 6 heads (50%) have an attention sink")
    assert text[1].startswith("Without the BOS token")
    assert not any("next" in s.split("(")[0] for s in text[:8])


def test_decoder_behaviour_counts(decoder_data: SiteData) -> None:
    # prev > .5: .62; first > .6: .72; punct > .6: .65; normalised entropy > .8: .91;
    # induction > .4: .82; duplicate > .4: .55; sinks (first > .3): 3
    assert gv.behaviour_counts(decoder_data) == [
        ("previous token > 50%", 1), ("BOS (position 0) > 60%", 1), ('"." or "," > 60%', 1),
        ("broad (normalised entropy > 0.8)", 1), ("induction score > 40%", 1),
        ("duplicate-token score > 40%", 1), ("has a sink: BOS (position 0) > 30%", 3)]


def test_decoder_page_charts(decoder_data: SiteData) -> None:
    specs = gv.page_charts(decoder_data, "analyses/general.md")
    assert sorted(specs) == ["entropy", "entropy_normalised", "offsets", "sink", "sink_position",
                             "sink_rate"]
    means = {(m["target"], m["layer"]): m["value"] for m in specs["sink"]["datasets"]["means"]}
    assert means[("BOS (position 0)", 1)] == pytest.approx(0.44)
    assert means[('"." or ","', 0)] == pytest.approx(0.0833, abs=1e-4)
    assert specs["entropy"]["datasets"]["reference"][0]["value"] == 2.83
    assert specs["entropy_normalised"]["datasets"]["reference"][0]["value"] == 1.0
    assert specs["sink_rate"]["datasets"]["rows"] == [
        {"layer": 0, "rate": 0.333333, "sinks": 1, "heads": 3, "sink": "the BOS token"},
        {"layer": 1, "rate": 0.666667, "sinks": 2, "heads": 3, "sink": "position 0"}]
    assert specs["sink_rate"]["datasets"]["overall"] == [{"rate": 0.5}]
    points = {p["head"]: p for p in specs["sink_position"]["datasets"]["points"]}
    assert points["L0-H1"] == {"head": "L0-H1", "with": 0.35, "without": 0.12,
                               "sink": "the BOS token", "url": "../heads/L0-H1.html"}
    assert points["L0-H0"]["sink"] == "no sink" and points["L1-H0"]["sink"] == "position 0"


def test_sink_charts_need_their_results(decoder_data: SiteData) -> None:
    docs = copy.deepcopy(decoder_data.documents)
    del docs["general"]["sinks"]["position"]
    specs = gv.page_charts(SiteData(docs, 2, 3), "analyses/general.md")
    assert "sink_rate" in specs and "sink_position" not in specs
    # without the BOS-or-position-0 verdicts the bars have one colour
    assert specs["sink_rate"]["layer"][0]["encoding"]["color"] == {"value": "#d62728"}
    assert all("sink" in row for row in specs["sink_rate"]["datasets"]["rows"])
    del docs["general"]["sinks"]
    assert "sink_rate" not in gv.page_charts(SiteData(docs, 2, 3), "analyses/general.md")


def test_overview_and_profiles_name_position_0(decoder_data: SiteData) -> None:
    cells = {c["name"]: c for c in gv.overview_map(decoder_data, "index.md")["datasets"]["cells"]}
    assert cells["L1-H0"]["target"] == "BOS (position 0)" and cells["L1-H0"]["label"] == "BOS 72"
    assert cells["L0-H1"]["target"] == "broad"  # normalised entropy .91
    assert cells["L1-H2"]["label"] == ". , 65"
    rows = {r["target"]: r for r in gv.head_profile(decoder_data, 1, 1)["datasets"]["rows"]}
    # layer 1 first: .72, .45, .15 (no head's targets sum above 1): mean .44
    assert rows["BOS (position 0)"]["share"] == 0.45
    assert rows["BOS (position 0)"]["layer_mean"] == pytest.approx(0.44, abs=1e-4)
    assert sorted(rows) == sorted(['"." or ","', "BOS (position 0)",
                                   "other (non-adjacent) tokens", "previous token",
                                   "same token"])
    decoder_data.documents["manifest"]["settings"]["bos"] = "off"
    cells = {c["name"]: c for c in gv.overview_map(decoder_data, "index.md")["datasets"]["cells"]}
    assert cells["L1-H0"]["target"] == "position 0" and cells["L1-H0"]["label"] == "pos 0 72"


def test_induction_page_and_head_scores(decoder_data: SiteData, fixture_data: SiteData) -> None:
    [page] = gv.extra_pages(decoder_data)
    assert (page.page, page.template, page.title) == (
        "analyses/induction.md", "induction.md.j2", "Induction and duplicate heads")
    cells = page.charts["scores"]["datasets"]["cells"]
    assert {c["panel"] for c in cells} == {"induction score", "duplicate-token score"}
    assert [c["value"] for c in cells if c["name"] == "L1-H1"] == [0.82, 0.06]
    # induction [[.01, .02, .03], [.05, .82, .12]]: L1-H2's .12 is the second highest
    assert gv.score_rank(decoder_data, "induction", 1, 2) == (0.12, 2)
    assert gv.score_rank(decoder_data, "duplicate", 0, 2) == (0.55, 1)
    # an encoder has none; nor a decoder without the synthetic sequences
    assert gv.extra_pages(fixture_data) == []
    assert gv.score_rank(fixture_data, "induction", 0, 0) is None
    del decoder_data.documents["general"]["induction"]
    assert gv.extra_pages(decoder_data) == []
