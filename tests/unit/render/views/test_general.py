"""The view of general.json: its chart specs carry the right values, and its threshold counts
are the paper's."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from generator.render.pages import render_pages
from generator.render.site_data import SiteData
from generator.render.views import general


def test_by_layer_has_every_head_and_the_layer_means(fixture_data: SiteData) -> None:
    spec = general.by_layer(fixture_data, ["cls", "sep"], "analyses/general.md", title="t",
                           y_title="y", reference=2.3, reference_label="uniform")
    points, means = spec["datasets"]["points"], spec["datasets"]["means"]
    assert len(points) == 2 * 2 * 3
    cls_means = [m["value"] for m in means if m["target"] == "[CLS]"]
    assert cls_means == pytest.approx([(0.05 + 0.1 + 0.7) / 3, (0.1 + 0.05 + 0.05) / 3],
                                      abs=1e-4)
    l1h0 = [p for p in points if p["head"] == "L1-H0" and p["target"] == "[SEP]"]
    assert l1h0[0]["value"] == 0.65
    # the chart computes each point's link from its head label (chart_kit.head_url)
    url = spec["layer"][0]["transform"][0]
    assert url["as"] == "url"
    assert eval(url["calculate"].replace("datum.head", "'L1-H0'")) == "../heads/L1-H0.html"  # noqa: S307
    assert spec["datasets"]["reference"] == [{"value": 2.3, "label": "uniform"}]


def test_head_profile_against_the_layer_mean(fixture_data: SiteData) -> None:
    spec = general.head_profile(fixture_data, 0, 0)
    rows = {r["target"]: r for r in spec["datasets"]["rows"]}
    assert rows["previous token"]["share"] == 0.8
    # layer 0 prev shares: .8, .05, .02 (no scaling: each head's targets sum below 1)
    assert rows["previous token"]["layer_mean"] == pytest.approx(0.29, abs=1e-4)
    assert "L0-H0" in spec["title"]
    assert general.head_profile(fixture_data, 1, 2)["title"].startswith("Where L1-H2")


def test_overview_map_has_one_cell_per_head(fixture_data: SiteData) -> None:
    cells = general.overview_map(fixture_data, "index.md")["datasets"]["cells"]
    assert len(cells) == 6
    by_name = {c["name"]: c for c in cells}
    assert by_name["L0-H1"]["target"] == "broad"
    assert by_name["L1-H0"]["target"] == "[SEP]" and by_name["L1-H0"]["label"] == "SEP 65"
    assert by_name["L0-H2"]["url"] == "heads/L0-H2.html"


def test_behaviour_counts_use_the_paper_thresholds(fixture_data: SiteData) -> None:
    counts = dict(general.behaviour_counts(fixture_data))
    assert counts["next token > 50%"] == 1
    assert counts["previous token > 50%"] == 1
    assert counts["[CLS] > 60%"] == 1  # 0.7
    assert counts["[SEP] > 60%"] == 1  # 0.65
    assert counts['"." or "," > 60%'] == 0  # 0.55 is below
    assert counts["broad (entropy > 3.8 nats)"] == 1


def test_head_and_home_pages_quote_the_layer_means_of_general_json(
        fixture_data: SiteData, tmp_path: Path) -> None:
    # general.json's layer_means are what the pages quote (not recomputed from the grid):
    # give sep stored means unlike the grid's (.077, .267) and find them on the pages
    docs = copy.deepcopy(fixture_data.documents)
    docs["general"]["layer_means"]["sep"] = [0.123456, 0.654321]
    render_pages(SiteData(docs, 2, 3), tmp_path)
    head = (tmp_path / "heads" / "L1-H0.md").read_text(encoding="utf-8")
    # value .65, rank 1, layer 1 mean (stored) .654, all heads mean (.03+.1+.1+.65+.1+.05)/6
    assert "| &#91;SEP&#93; | 0.650 | 1 | 0.654 | 0.172 |" in head
    home = (tmp_path / "index.md").read_text(encoding="utf-8")
    assert "Attention to [SEP] peaks in layer 1, where heads give it 65%" in home
