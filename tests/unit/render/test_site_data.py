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
