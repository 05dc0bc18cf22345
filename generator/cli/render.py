"""``headatlas render``: redo the pages and the site from existing results (no model run)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from generator.progress import console
from generator.timings import Timings


def render(
    out: Annotated[Path, typer.Option(help="Output folder of a build (holds results/) [.].")]
    = Path("."),
    site_url: Annotated[str | None, typer.Option(help="URL the site will be served at "
                                                      "[http://127.0.0.1:8000/].")] = None,
    offline_site: Annotated[bool, typer.Option(
        "--offline-site/--no-offline-site",
        help="Also build OUT/site-offline for file:// [on].")] = True,
    export_charts: Annotated[str | None, typer.Option(
        help="Also save every chart as svg or png under OUT/charts/.")] = None,
) -> None:
    """Render OUT/results into pages (OUT/site_src) and build the site (OUT/site)."""
    from generator.errors import HeadAtlasError
    from generator.render.export import export_charts as export
    from generator.render.site import render_site

    if export_charts not in (None, "svg", "png"):
        raise HeadAtlasError(f"--export-charts must be svg or png, got {export_charts!r}",
                             path="command line")
    timings = Timings()
    built = render_site(out, site_url=site_url, offline=offline_site, timings=timings)
    if export_charts:
        with timings.stage("export charts"):
            files = export(built.charts, out / "charts", export_charts)  # type: ignore[arg-type]
        console.print(f"wrote {len(files)} charts under {out / 'charts'}")
    for name, seconds in timings.stages.items():
        console.print(f"  {name:<28} {seconds:8.1f} s")
    console.print(f"wrote {built.pages} pages: {built.site}/index.html"
                  + (f" and {built.offline}/index.html (file://)" if built.offline else ""))
