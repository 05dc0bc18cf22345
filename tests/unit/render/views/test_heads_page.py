"""The head map page states the row sample, its measured error and the halves' agreement."""

from __future__ import annotations

import copy
from pathlib import Path

from generator.render.pages import render_pages
from generator.render.site_data import SiteData


def heads_page(data: SiteData, tmp_path: Path) -> str:
    render_pages(data, tmp_path)
    page = (tmp_path / "analyses" / "heads.md").read_text(encoding="utf-8")
    return " ".join(page.split())  # the template wraps its lines


def with_sampling(data: SiteData, **changes: object) -> SiteData:
    doc = copy.deepcopy(data.get("heads"))
    doc["sampling"].update(changes)
    return SiteData({**data.documents, "heads": doc}, 2, 3)


def test_sampled_rows_state_their_error_and_stability(fixture_data: SiteData,
                                                      tmp_path: Path) -> None:
    page = heads_page(fixture_data, tmp_path)
    # fixture: 40 of 512 rows, halves of 20; error median .031, p95 .084, max .12; halves:
    # nearest changed for 1 of 6 heads, nearest five for 0, ARI .444444, 1 head moved
    assert '!!! info "Sampling error"' in page
    assert "a seeded random sample of 40 of the 512 attention rows" in page
    assert ("random halves, is a median 3.1% of a distance (95th percentile 8.4%, largest 12.0%, "
            "over all pairs of heads)") in page
    assert ("Two random halves of the rows (20 and 20 rows) give the same nearest head for 5 of "
            "6 heads and the same five nearest heads (in any order) for 6; their clusterings "
            "agree with an adjusted Rand index of 0.44 (1 = the same clusters), and 1 of 6 "
            "heads are in another cluster") in page
    assert "so the map above is more stable than that" in page


def test_every_row_has_no_sampling_error(fixture_data: SiteData, tmp_path: Path) -> None:
    data = with_sampling(fixture_data, every_row=True,
                         relative_error={"median": 0.0, "p95": 0.0, "max": 0.0})
    data.documents["heads"]["rows_used"] = 512
    page = heads_page(data, tmp_path)
    assert '!!! info "No sampling error"' in page
    assert ("Every attention row of the corpus is used (512 rows), so the distances have no "
            "sampling error.") in page
    assert "95th percentile" not in page and "more stable than that" not in page
    assert "rests on the particular rows of this corpus" in page


def test_results_without_sampling_have_no_box(fixture_data: SiteData, tmp_path: Path) -> None:
    doc = copy.deepcopy(fixture_data.get("heads"))
    del doc["sampling"]
    page = heads_page(SiteData({**fixture_data.documents, "heads": doc}, 2, 3), tmp_path)
    assert "ampling error" not in page and "over 40 attention rows" in page
