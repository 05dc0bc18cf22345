"""Ranks, profiles and summaries, and what is derived from plain [layer][head] grids, checked
against values worked out by hand (from the fixture, or small grids)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import HeadAtlasError
from generator.render.site_data import (
    SiteData,
    grid_mean,
    grid_rank,
    grid_top,
    layer_means,
    load_site_data,
)
from generator.vocabulary import METRIC_NAMES, TARGETS


def test_shape_comes_from_the_manifest(fixture_data: SiteData) -> None:
    assert (fixture_data.num_layers, fixture_data.num_heads) == (2, 3)
    assert fixture_data.total_heads == 6
    assert fixture_data.heads()[:4] == [(0, 0), (0, 1), (0, 2), (1, 0)]


def test_rank_one_is_the_highest_and_ties_share(fixture_data: SiteData) -> None:
    # prev grid [[0.8, 0.05, 0.02], [0.01, 0.02, 0.1]]: sorted 0.8, 0.1, 0.05, 0.02, 0.02, 0.01
    assert fixture_data.rank("prev", 0, 0) == 1
    assert fixture_data.rank("prev", 1, 2) == 2
    assert fixture_data.rank("prev", 0, 1) == 3
    assert fixture_data.rank("prev", 0, 2) == 4 and fixture_data.rank("prev", 1, 1) == 4
    assert fixture_data.rank("prev", 1, 0) == 6
    assert fixture_data.rank("missing", 0, 0) is None


def test_profile_shares_and_other(fixture_data: SiteData) -> None:
    # L0-H0: prev .8 self .05 next .02 cls .05 sep .03 punct .02 -> other 1 - .97 = .03
    profile = dict(fixture_data.profile(0, 0))
    assert profile["prev"] == pytest.approx(0.8)
    assert profile["other"] == pytest.approx(0.03)
    assert fixture_data.profile(0, 0)[0][0] == "prev"


def test_profile_is_scaled_down_when_targets_overlap() -> None:
    metrics = {k: [[v]] for k, v in
               {"prev": 0.9, "self": 0.0, "next": 0.0, "cls": 0.3, "sep": 0.0,
                "punct": 0.0}.items()}
    data = SiteData({"general": {"metrics": metrics}}, 1, 1)
    profile = dict(data.profile(0, 0))
    assert profile["prev"] == pytest.approx(0.75) and profile["cls"] == pytest.approx(0.25)
    assert profile["other"] == 0.0


def test_dominant_broad_and_summary(fixture_data: SiteData) -> None:
    assert fixture_data.dominant(0, 0) == "prev"
    assert fixture_data.dominant(0, 2) == "cls"
    assert fixture_data.dominant(1, 0) == "sep"
    assert fixture_data.dominant(1, 1) == "next"
    # L0-H1: entropy 3.9 > 0.8 * 2.3 and no target reaches one half
    assert fixture_data.is_broad(0, 1) and fixture_data.dominant(0, 1) == "broad"
    assert not fixture_data.is_broad(0, 0)
    assert fixture_data.summary(0, 0).startswith(
        "mostly attends to the previous token (80% of its attention)")
    assert "broad (entropy 3.90 nats; uniform 2.30)" in fixture_data.summary(0, 1)
    assert fixture_data.headline(0, 1).startswith("broad; ")


def test_missing_results_are_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(HeadAtlasError, match="no results folder"):
        load_site_data(tmp_path / "nope")
    (tmp_path / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(HeadAtlasError, match="general.json is missing"):
        load_site_data(tmp_path)
    (tmp_path / "general.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(HeadAtlasError, match="cannot read results"):
        load_site_data(tmp_path)


GRID = [[0.2, -0.1, 0.05], [0.9, 0.0, -0.3]]


def test_rank_one_is_the_highest() -> None:
    # sorted: .9 (L1-H0), .2 (L0-H0), .05 (L0-H2), 0 (L1-H1), -.1 (L0-H1), -.3 (L1-H2)
    ranks = [[grid_rank(GRID, layer, head) for head in range(3)] for layer in range(2)]
    assert ranks == [[2, 5, 3], [1, 4, 6]]


def test_ties_share_the_better_rank() -> None:
    tied = [[1.0, 3.0], [3.0, 2.0]]
    assert grid_rank(tied, 0, 1) == 1 and grid_rank(tied, 1, 0) == 1
    assert grid_rank(tied, 1, 1) == 3 and grid_rank(tied, 0, 0) == 4


def test_mean_and_top() -> None:
    assert grid_mean(GRID) == pytest.approx(0.75 / 6)
    assert grid_top(GRID) == (1, 0)
    # ties go to the first head in reading order
    assert grid_top([[0.0, 2.0], [2.0, 1.0]]) == (0, 1)


def test_layer_means_of_a_grid() -> None:
    # (.2 - .1 + .05) / 3 = .05; (.9 + 0 - .3) / 3 = .2
    assert layer_means(GRID) == pytest.approx([0.05, 0.2])


def test_layer_means_come_from_general_json(fixture_data: SiteData) -> None:
    # the fixture's layer_means: sep (.03 + .1 + .1) / 3 and (.65 + .1 + .05) / 3, 6 digits
    assert fixture_data.layer_means("sep") == [0.076667, 0.266667]
    # the stored values win over the grid (here deliberately unlike its means) ...
    general = {"metrics": {"sep": [[1.0, 2.0], [3.0, 5.0]]}, "layer_means": {"sep": [9.0, 8.0]}}
    assert SiteData({"general": general}, 2, 2).layer_means("sep") == [9.0, 8.0]
    # ... and results without them get the grid's means
    del general["layer_means"]
    assert SiteData({"general": general}, 2, 2).layer_means("sep") == [1.5, 4.0]


def test_a_decoder_is_told_by_general_json(fixture_data: SiteData, decoder_data: SiteData
                                           ) -> None:
    assert decoder_data.is_decoder and not fixture_data.is_decoder
    assert fixture_data.metric_names is METRIC_NAMES and fixture_data.targets is TARGETS
    # general.json's model may carry the kind too; anything else is an encoder
    assert SiteData({"general": {"model": {"architecture_kind": "decoder"}}}, 1, 1).is_decoder
    assert not SiteData({"general": {"architecture_kind": "encoder"}}, 1, 1).is_decoder


def test_position_0_is_named_by_the_bos_setting(decoder_data: SiteData) -> None:
    # settings.bos "on": position 0 is the BOS token
    assert decoder_data.position0_is_bos
    assert decoder_data.metric_names["first"] == "BOS (position 0)"
    assert decoder_data.targets["first"] == "the BOS token (position 0)"
    decoder_data.documents["manifest"]["settings"]["bos"] = "off"
    assert not decoder_data.position0_is_bos
    assert decoder_data.metric_names["first"] == "position 0"
    assert decoder_data.targets["first"] == "position 0"
    # no manifest: the setting's default, on; an encoder has no BOS position
    del decoder_data.documents["manifest"]
    assert decoder_data.position0_is_bos
    assert not SiteData({"general": {}, "manifest": {"settings": {"bos": "on"}}}, 1,
                        1).position0_is_bos


def test_decoder_profile_broad_and_summary(decoder_data: SiteData) -> None:
    # L1-H1: first .45, prev .10, self .05, punct .08 -> other 1 - .68 = .32
    profile = dict(decoder_data.profile(1, 1))
    assert sorted(profile) == ["first", "other", "prev", "punct", "self"]
    assert profile["first"] == pytest.approx(0.45) and profile["other"] == pytest.approx(0.32)
    assert decoder_data.summary(1, 1) == (
        "spreads its attention: the BOS token (position 0) 45%, other (non-adjacent) tokens "
        "32%, the previous token 10%; it is focused (normalised entropy 0.66; 1 = spread evenly "
        "over the tokens it can see).")
    # L1-H0: first .72 -> mostly the BOS token
    assert decoder_data.dominant(1, 0) == "first"
    assert decoder_data.headline(1, 0) == "BOS (position 0) 72%"
    # broad by normalised entropy > .8 (L0-H1: .91), not by entropy in nats
    assert decoder_data.is_broad(0, 1) and decoder_data.dominant(0, 1) == "broad"
    assert not decoder_data.is_broad(1, 1)
    general = {"architecture_kind": "decoder", "reference": {"uniform_entropy": 1.0},
               "metrics": {"entropy": [[5.0]], "entropy_normalised": [[0.5]]}}
    assert not SiteData({"general": general}, 1, 1).is_broad(0, 0)  # 5 nats > .8 * 1 nat


@pytest.mark.parametrize(("name", "shown"), [
    ("/home/me/models/all-mpnet-base-v2", "all-mpnet-base-v2"),  # an older build's full path
    ("/home/me/models/all-mpnet-base-v2/", "all-mpnet-base-v2"),
    ("./models/tiny", "tiny"),
    ("~/m/bert", "bert"),
    ("C:\\Users\\me\\mpnet", "mpnet"),
    ("sentence-transformers/all-mpnet-base-v2", "sentence-transformers/all-mpnet-base-v2"),
    ("all-mpnet-base-v2", "all-mpnet-base-v2"),
    ("default", "all-MiniLM-L6-v2 (default)"),
])
def test_model_name_never_shows_a_folder(name: str, shown: str) -> None:
    data = SiteData({"manifest": {"model": {"name": name}}}, 1, 1)
    assert data.model_name == shown
