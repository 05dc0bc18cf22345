"""The view of norms.json: per-layer special-token shares and the home sentence, by hand."""

from __future__ import annotations

from dataclasses import replace

from generator.render.site_data import SiteData
from generator.render.views import findings, norms, present
from generator.render.views.norms import norm_sentence, shown_metrics, special_shares


def test_special_shares_and_sentence_from_the_fixture(fixture_data: SiteData) -> None:
    """tests/fixtures/results: general layer_means cls [0.283333, 0.066667], sep [0.076667,
    0.266667]; norms.json norm_cls [0.070833, 0.016667], norm_sep [0.023, 0.08]."""
    raw, norm = special_shares(fixture_data)
    assert raw == [0.283333 + 0.076667, 0.066667 + 0.266667]
    assert norm == [0.070833 + 0.023, 0.016667 + 0.08]
    sentence = norm_sentence(fixture_data)
    # 36% -> 9% (0.36 / 0.093833 = 3.84), 33% -> 10% (0.333334 / 0.096667 = 3.45)
    assert sentence is not None and "[CLS] and [SEP]" in sentence
    assert "layer 0 36% -> 9%, 3.8x smaller; layer 1 33% -> 10%, 3.4x smaller." in sentence


def test_the_finding_follows_the_gradient_verdict(fixture_data: SiteData) -> None:
    sentences = findings(fixture_data)
    grad = next(k for k, s in enumerate(sentences) if "gradient of the loss" in s)
    assert sentences[grad + 1] == norm_sentence(fixture_data)


def test_decoder_speaks_of_the_sink(decoder_data: SiteData) -> None:
    assert list(shown_metrics(decoder_data)) == ["first", "punct", "self", "prev"]
    sentence = norm_sentence(decoder_data)
    assert sentence is not None and "the sink (the BOS token at position 0)" in sentence
    assert "[CLS]" not in sentence and "[SEP]" not in sentence


def test_no_norms_json_no_view(fixture_data: SiteData) -> None:
    without = replace(fixture_data, documents={k: v for k, v in fixture_data.documents.items()
                                               if k != "norms"})
    assert norms.VIEW not in present(without)
    assert norm_sentence(without) is None
    assert not any("Kobayashi" in s for s in findings(without))
