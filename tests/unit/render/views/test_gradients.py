"""The view of gradients.json: its sentence and its charts, against values worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from generator.render.site_data import SiteData
from generator.render.views import gradients
from generator.render.views.gradients import gradient_sep_sentence


def _grad(sep: list[float], other: list[float], name: str = "masked_lm",
          with_sep: int = 4) -> dict[str, Any]:
    return {"objective": {"name": name}, "per_layer": {"sep": sep, "other": other},
            "segments_with_group": {"sep": with_sep}}


def test_gradient_sentence_from_the_fixture(fixture_data: SiteData) -> None:
    # per_layer sep [4e-6, 1e-6], other [3e-6, 4e-6]: ratio other/sep 0.75, 4.0 -> from layer 1
    sentence = gradient_sep_sentence(fixture_data.get("gradients"))
    assert sentence is not None
    assert sentence.startswith("In the last layer (1), the gradient of the loss through attention "
                               "to [SEP] is 4.0 times smaller than through attention to other")
    assert "(representation objective;" in sentence


def test_gradient_sentence_takes_the_layers_where_sep_stays_smaller() -> None:
    # ratios: 2.0, 0.5, 3.0, 5.0 -> layer 1 breaks the run, so from layer 2: 3.0 to 5.0
    sentence = gradient_sep_sentence(_grad([1.0, 4.0, 1.0, 1.0], [2.0, 2.0, 3.0, 5.0]))
    assert sentence is not None and "From layer 2 on" in sentence
    assert "3.0 to 5.0 times smaller" in sentence and "(masked-LM objective;" in sentence
    every = gradient_sep_sentence(_grad([1.0, 1.0], [2.0, 2.0]))
    assert every is not None and every.startswith("In every layer") and "2.0 times" in every


def test_gradient_sentence_needs_a_margin() -> None:
    # ratios 1.05 (under the 1.1 margin), 3.0: only the last layer counts
    sentence = gradient_sep_sentence(_grad([1.0, 1.0], [1.05, 3.0]))
    assert sentence is not None
    assert sentence.startswith("In the last layer (1), the gradient of the loss through "
                               "attention to [SEP] is 3.0 times smaller")


def test_gradient_sentence_when_sep_is_not_smaller_at_the_end() -> None:
    sentence = gradient_sep_sentence(_grad([1.0, 3.0], [2.0, 2.0]))
    assert sentence is not None
    assert "In the last layer the gradient through attention to [SEP] is 1.50 times" in sentence
    assert "not a no-op" in sentence


def test_gradient_sentence_needs_sep_targets() -> None:
    assert gradient_sep_sentence({}) is None
    assert gradient_sep_sentence(_grad([0.0, 0.0], [1.0, 1.0], with_sep=0)) is None


def test_gradient_page_charts_from_the_fixture(fixture_data: SiteData) -> None:
    specs = gradients.page_charts(fixture_data, "analyses/gradients.md")
    means = {(m["target"], m["layer"]): m["value"] for m in specs["by_layer"]["datasets"]["means"]}
    # sep [[4, 3, 5], [1, .5, 1.5]] e-6 -> 4e-6, 1e-6; cls [[1, 2, 3], [6, 1, 2]] e-6 -> 2e-6, 3e-6
    assert means[("[SEP]", 0)] == pytest.approx(4e-6) and means[("[SEP]", 1)] == pytest.approx(1e-6)
    assert means[("[CLS] (also in other)", 1)] == pytest.approx(3e-6)
    # values ~1e-6: exponent notation on the axis (not "0.000")
    assert specs["by_layer"]["layer"][0]["encoding"]["y"]["axis"]["format"] == ".2e"
    panels = {c["panel"] for c in specs["per_head"]["datasets"]["cells"]}
    assert panels == {"[SEP]", '"." or ","', "other tokens", "[CLS] (also in other)"}


def _sink(first: list[float], other: list[float]) -> dict[str, Any]:
    return {"objective": {"name": "next_token"}, "per_layer": {"first": first, "other": other},
            "segments_with_group": {"first": 4}}


def test_gradient_sink_sentence_from_the_decoder_fixture(decoder_data: SiteData) -> None:
    # per_layer first [4e-6, 1e-6], other [3e-6, 4e-6]: ratios .75, 4.0 -> the last layer
    assert gradients.gradient_sentence(decoder_data) == (
        "In the last layer (1), the gradient of the loss through attention to the sink, the BOS "
        "token at position 0, is 4.0 times smaller than through attention to other tokens "
        "(next-token objective): by this measure, attending to the sink is closer to a no-op "
        "than attending to other tokens.")
    assert gradients.findings(decoder_data, "index.md") == [
        gradients.gradient_sentence(decoder_data)]


def test_gradient_sink_sentence_when_the_sink_is_not_smaller() -> None:
    # ratios 2/1 = 2.0, 2/3 = .67: not smaller in the last layer
    assert gradients.gradient_sink_sentence(_sink([1.0, 3.0], [2.0, 2.0]), bos=False) == (
        "In the last layer the gradient through attention to the sink at position 0 is 1.50 "
        "times that through attention to other tokens, so attending to the sink is not a no-op "
        "there (next-token objective).")
    # 3.0 and 5.0 times smaller in every layer
    sentence = gradients.gradient_sink_sentence(_sink([1.0, 1.0], [3.0, 5.0]), bos=True)
    assert sentence is not None and sentence.startswith(
        "In every layer, the gradient of the loss through attention to the sink, the BOS token "
        "at position 0, is 3.0 to 5.0 times smaller")
    assert gradients.gradient_sink_sentence({}, bos=True) is None


def test_decoder_gradient_charts(decoder_data: SiteData) -> None:
    specs = gradients.page_charts(decoder_data, "analyses/gradients.md")
    panels = {c["panel"] for c in specs["per_head"]["datasets"]["cells"]}
    assert panels == {"BOS (position 0)", '"." or ","', "other tokens"}
    means = {(m["target"], m["layer"]): m["value"] for m in specs["by_layer"]["datasets"]["means"]}
    assert means[("BOS (position 0)", 1)] == pytest.approx(1e-6)  # (1 + .5 + 1.5) / 3 e-6
