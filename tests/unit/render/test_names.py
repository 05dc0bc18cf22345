from __future__ import annotations

from generator.render.names import (
    head_label,
    head_page,
    html_url,
    layer_page,
    link,
    paper_label,
)


def test_labels_are_zero_based_and_paper_is_one_based() -> None:
    assert head_label(3, 7) == "L3-H7"
    assert paper_label(3, 7) == "4-8"  # the paper's 4-8 is our L3-H7
    assert paper_label(7, 9) == "8-10"


def test_links_between_pages_are_relative() -> None:
    assert link("index.md", head_page(0, 1)) == "heads/L0-H1.md"
    assert link(head_page(2, 3), layer_page(2)) == "../layers/L2.md"
    assert link(head_page(2, 3), head_page(2, 4)) == "L2-H4.md"
    assert html_url("analyses/general.md", head_page(1, 0)) == "../heads/L1-H0.html"
