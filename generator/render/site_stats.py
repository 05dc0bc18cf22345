"""What a built site weighs: total size, the largest page (its HTML plus its chart-spec script),
the search index, the navigation's length. The limits (issue 22) hold for a 32 x 32-head model:
tests/integration/render/test_site_scale.py and ``benchmarks/site_scale.py``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.render.pages import SPECS

PAGE_LIMIT = 1_000_000
"""No page (HTML plus its chart specs) may exceed this many bytes."""
SEARCH_INDEX_LIMIT = 5_000_000
"""MkDocs' search index (search/search_index.json) must stay under this many bytes."""
SEARCH_INDEX = "search/search_index.json"


@dataclass(frozen=True)
class SiteStats:
    files: int
    total_bytes: int
    pages: int
    largest_page: str
    largest_page_bytes: int
    """The largest HTML page plus the chart-spec script it loads."""
    search_index_bytes: int
    nav_entries: int
    """Leaves of the navigation (pages it lists)."""
    nav_longest_section: int
    """The most entries one section lists directly."""

    def within_limits(self) -> list[str]:
        """What exceeds the limits, in words (empty: all is well)."""
        problems = []
        if self.largest_page_bytes > PAGE_LIMIT:
            problems.append(f"{self.largest_page}: {self.largest_page_bytes} bytes > "
                            f"{PAGE_LIMIT}")
        if self.search_index_bytes > SEARCH_INDEX_LIMIT:
            problems.append(f"{SEARCH_INDEX}: {self.search_index_bytes} bytes > "
                            f"{SEARCH_INDEX_LIMIT}")
        return problems


def _nav_counts(nav: list[Any]) -> tuple[int, int]:
    """(leaves, the longest list of entries) of a MkDocs navigation."""
    leaves, longest = 0, len(nav)
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            sub_leaves, sub_longest = _nav_counts(value)
            leaves += sub_leaves
            longest = max(longest, sub_longest)
        else:
            leaves += 1
    return leaves, longest


def site_stats(site: Path, nav: list[Any]) -> SiteStats:
    """Measure the built site folder ``site`` (OUT/site) whose navigation is ``nav``."""
    files = [p for p in site.rglob("*") if p.is_file()]
    largest, largest_bytes, pages = "", 0, 0
    for html in (p for p in files if p.suffix == ".html"):
        pages += 1
        relative = html.relative_to(site).with_suffix("")
        spec = site / SPECS / f"{relative.as_posix()}.js"
        size = html.stat().st_size + (spec.stat().st_size if spec.is_file() else 0)
        if size > largest_bytes:
            largest, largest_bytes = relative.as_posix() + ".html", size
    index = site / SEARCH_INDEX
    leaves, longest = _nav_counts(nav)
    return SiteStats(files=len(files), total_bytes=sum(p.stat().st_size for p in files),
                     pages=pages, largest_page=largest, largest_page_bytes=largest_bytes,
                     search_index_bytes=index.stat().st_size if index.is_file() else 0,
                     nav_entries=leaves, nav_longest_section=longest)
