"""The view of heads.json: what the pages read from it and its map chart, against the
fixture's values worked out by hand.

Fixture (tests/fixtures/results/heads.json): 2 layers x 3 heads, clusters {L0-H0, L1-H1},
{L0-H1, L1-H2}, {L0-H2, L1-H0}; distances listed pairwise in the fixture.
"""

from __future__ import annotations

import copy

import pytest

from generator.render.site_data import SiteData
from generator.render.views import heads as hv


def test_clusters_list_their_heads_by_layer_and_head(fixture_data: SiteData) -> None:
    assert hv.clusters(fixture_data) == [[(0, 0), (1, 1)], [(0, 1), (1, 2)], [(0, 2), (1, 0)]]
    assert hv.head_index(fixture_data, 1, 2) == 5
    assert hv.head_at(fixture_data, 4) == (1, 1)


def test_layer_distances_average_the_right_pairs(fixture_data: SiteData) -> None:
    same, other = hv.layer_distances(fixture_data)
    # same layer: (.40 + .50 + .48) + (.52 + .46 + .43) = 2.79 over 6 pairs
    assert same == pytest.approx(2.79 / 6)
    # across: .45 .10 .42 .47 .41 .12 .15 .55 .44 = 3.11 over 9 pairs
    assert other == pytest.approx(3.11 / 9)
    assert hv.cluster_distance(fixture_data, 0) == pytest.approx(0.10)


def test_shared_traits_say_how_a_cluster_differs(fixture_data: SiteData) -> None:
    traits = hv.shared_traits(fixture_data, [(0, 0), (1, 1)])
    # prev: all heads (.8 .05 .02 .01 .02 .1) mean .1667, cluster (.8 + .02) / 2 = .41
    assert traits[0] == ("attend more to the previous token (41% of their attention vs 17% "
                         "overall)")
    # entropy: all (1.2 3.9 1.5 1.8 1.6 2.0) mean 2.0, cluster (1.2 + 1.6) / 2 = 1.4
    assert "are more focused than most heads (entropy 1.40 nats vs 2.00 overall)" in traits
    assert len(traits) <= hv.MAX_TRAITS
    # self differs by z > 0.5 in cluster C2 but by only 3 points: not a trait
    assert not any("the token itself" in t for t in hv.shared_traits(
        fixture_data, [(0, 2), (1, 0)]))
    # every head: nothing differs from itself
    assert hv.shared_traits(fixture_data, fixture_data.heads()) == []


def test_labels_nearest_and_silhouette(fixture_data: SiteData) -> None:
    assert hv.label_counts(fixture_data, [(0, 0), (1, 1)]) == [
        ("diagonal", 2), ("next", 1), ("prev", 1)]
    assert hv.nearest(fixture_data, 0, 1)[:2] == [(1, 2, 0.12), (0, 0, 0.40)]
    assert hv.best_silhouette(fixture_data) == (3, 0.34)
    assert not hv.is_rough(fixture_data)
    assert hv.layer_span([(0, 1), (1, 2), (3, 0)]) == "layers 0, 1 and 3"
    assert hv.layer_span([(2, 1)]) == "layer 2"
    rough = SiteData(copy.deepcopy(fixture_data.documents), 2, 3)
    rough.documents["heads"]["method"]["silhouette"]["3"] = 0.2
    assert hv.is_rough(rough)
    own, overall = hv.distance_rank(fixture_data, 0, 1)
    assert own == pytest.approx((0.40 + 0.48 + 0.47 + 0.41 + 0.12) / 5)
    assert overall == pytest.approx(2 * (2.79 + 3.11) / 30)


def test_head_map_points_link_to_head_pages(fixture_data: SiteData) -> None:
    spec = hv.head_map(fixture_data, "analyses/heads.md")
    points = spec["datasets"]["points"]
    assert [p["head"] for p in points] == ["L0-H0", "L0-H1", "L0-H2", "L1-H0", "L1-H1", "L1-H2"]
    assert points[4]["url"] == "../heads/L1-H1.html"  # relative: HTTP, file:// and instant nav
    assert points[4]["cluster"] == "cluster C0" and points[4]["paper"] == "next"
    assert points[5]["paper"] == "none" and points[5]["pattern"] == "heterogeneous"
    assert (points[2]["x"], points[2]["y"]) == (0.1, -0.3)
    assert spec["encoding"]["href"] == {"field": "url", "type": "nominal"}
    param = spec["params"][0]
    assert param["name"] == "colour_by" and param["value"] == "cluster"
    assert param["bind"]["input"] == "radio"
    assert param["bind"]["options"] == ["cluster", "layer", "paper label", "pattern"]


def test_colour_expression_names_every_option() -> None:
    for options in (hv.COLOUR_BY, hv.DECODER_COLOUR_BY):  # a decoder's labels are not the paper's
        expression = hv._colour_expression(options)
        for option in options:
            assert f"datum.{hv._COLOUR_FIELD[option]}" in expression
            if option != "cluster":
                assert f"colour_by === '{option}'" in expression
    assert "'label'" not in hv._colour_expression()
    assert "'paper label'" not in hv._colour_expression(hv.DECODER_COLOUR_BY)


def test_decoder_traits_and_map(decoder_data: SiteData) -> None:
    # C1 = L0-H1, L1-H2. punct [.03, .10, .12, .02, .08, .65]: mean .167, sd .219; C1 .375,
    # z = .95. entropy_normalised [.30, .91, .50, .28, .66, .42]: mean .512, sd .219; C1 .665,
    # z = .70. first: C1 .25 vs .303 (z -.23), prev .10 vs .175 (z -.38), self .065 vs .102
    # (under 5 points): no traits
    members = hv.clusters(decoder_data)[1]
    assert members == [(0, 1), (1, 2)]
    assert hv.shared_traits(decoder_data, members) == [
        'attend more to "." and "," (38% of their attention vs 17% overall)',
        "are broader than most heads (normalised entropy 0.67 vs 0.51 overall)"]
    spec = hv.head_map(decoder_data, "analyses/heads.md")
    assert spec["params"][0]["bind"]["options"] == ["cluster", "layer", "label", "pattern"]
    points = {p["head"]: p for p in spec["datasets"]["points"]}
    assert points["L1-H1"]["paper"] == "induction" and points["L1-H1"]["pattern"] == "vertical"
    assert points["L1-H0"]["labels"] == "sink, vertical"
