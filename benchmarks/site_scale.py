"""The site of a wide model, measured (issue 22 item 4; docs/performance.md "Site at 1024 heads").

    python benchmarks/site_scale.py --make-model benchmarks/out/bert-32x32   # once (tiny, random)
    headatlas build --model benchmarks/out/bert-32x32 --out OUT --max-segments 100 ...
    python benchmarks/site_scale.py OUT        # re-renders OUT's site, prints time and sizes

Prints the site build's seconds (``render_site`` on OUT/results: pages, then MkDocs; without
the file:// variant unless --offline-site), the site's total size, its largest page (HTML plus
its chart-spec script), the search index and the navigation's length, and whether the limits of
``generator.render.site_stats`` hold.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", help="a build's output folder")
    parser.add_argument("--make-model", type=Path, help="save a tiny random 32x32 BERT here")
    parser.add_argument("--offline-site", action="store_true")
    args = parser.parse_args()
    if args.make_model:
        from tests.helpers import make_tiny_model

        make_tiny_model(args.make_model, "bert", layers=32, heads=32)
        print(f"saved {args.make_model}")
    if args.out is None:
        return 0
    import yaml

    from generator.render.site import render_site
    from generator.render.site_stats import site_stats
    from generator.timings import Timings

    timings = Timings()
    start = time.perf_counter()
    render_site(args.out, offline=args.offline_site, timings=timings)
    seconds = time.perf_counter() - start
    nav = yaml.safe_load((args.out / "mkdocs-site.yml").read_text(encoding="utf-8"))["nav"]
    stats = site_stats(args.out / "site", nav)
    print(f"site build: {seconds:.1f} s ("
          + ", ".join(f"{k} {v:.1f} s" for k, v in timings.stages.items()) + ")")
    print(f"pages: {stats.pages}, files: {stats.files}, total: {stats.total_bytes / 1e6:.1f} MB")
    print(f"largest page: {stats.largest_page} {stats.largest_page_bytes / 1e3:.0f} kB "
          "(HTML + chart specs)")
    print(f"search index: {stats.search_index_bytes / 1e6:.2f} MB")
    print(f"navigation: {stats.nav_entries} entries, longest section {stats.nav_longest_section}")
    problems = stats.within_limits()
    print("limits: " + ("; ".join(problems) if problems else "met"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
