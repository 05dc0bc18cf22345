"""site_stats on a hand-made site folder whose sizes are known."""

from __future__ import annotations

from pathlib import Path

from generator.render.site_stats import PAGE_LIMIT, SEARCH_INDEX_LIMIT, site_stats


def write(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)


def test_sizes_largest_page_with_its_specs_and_nav(tmp_path: Path) -> None:
    write(tmp_path / "index.html", 300)
    write(tmp_path / "heads" / "L0-H0.html", 200)
    write(tmp_path / "assets" / "headatlas" / "charts" / "heads" / "L0-H0.js", 150)
    write(tmp_path / "search" / "search_index.json", 40)
    nav = [{"Home": "index.md"}, {"Layers": [{"Layer 0": ["layers/L0.md", {"H": "h.md"}]},
                                             {"Layer 1": "layers/L1.md"}]}, "about.md"]
    stats = site_stats(tmp_path, nav)
    assert (stats.files, stats.total_bytes, stats.pages) == (4, 690, 2)
    assert (stats.largest_page, stats.largest_page_bytes) == ("heads/L0-H0.html", 350)
    assert stats.search_index_bytes == 40
    assert (stats.nav_entries, stats.nav_longest_section) == (5, 3)
    assert stats.within_limits() == []


def test_limits_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "big.html", PAGE_LIMIT + 1)
    write(tmp_path / "search" / "search_index.json", SEARCH_INDEX_LIMIT + 1)
    problems = site_stats(tmp_path, []).within_limits()
    assert len(problems) == 2 and problems[0].startswith("big.html")
