"""Sentences about gradients.json and probes.json, against values worked out by hand."""

from __future__ import annotations

from typing import Any

from generator.render.findings import findings, gradient_sep_sentence, probe_sentence
from generator.render.site_data import SiteData


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


def test_probe_sentence_from_the_fixture(fixture_data: SiteData) -> None:
    sentence = probe_sentence(fixture_data.get("probes"))
    assert sentence == ("From attention alone, the Attn probe attaches 50% of held-out words to "
                        "their syntactic head (paper: 61%); right-branching 25%, Attn + "
                        "embeddings 62%. It weights [L1-H0](heads/L1-H0.md) most (0.900, word "
                        "to candidate head).")
    assert probe_sentence({}) is None


def test_home_findings_gain_one_sentence_each(fixture_data: SiteData) -> None:
    text = findings(fixture_data)
    assert sum("through attention to [SEP]" in s for s in text) == 1
    assert sum("Attn probe" in s for s in text) == 1
    general_only = SiteData({k: v for k, v in fixture_data.documents.items()
                             if k not in ("gradients", "probes")}, 2, 3)
    assert len(findings(general_only)) == len(text) - 2
