"""Build the whole site from OUT/results: pages, assets, MkDocs (HTTP and file:// variants).

Everything is built in a staging folder inside OUT (``OUT/.site-build-PID``) and swapped in
(``generator.swap``, together with a build's staged results) only when every step worked, so a
failed or killed build leaves the previous OUT/site_src, OUT/site and OUT/site-offline untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import swap
from generator.render.assets import write_assets
from generator.render.mkdocs_build import MkDocsProcess, run_mkdocs, site_config, write_config
from generator.render.pages import render_pages
from generator.render.site_data import load_site_data
from generator.timings import Timings

SITE_SRC, SITE, SITE_OFFLINE = "site_src", "site", "site-offline"


@dataclass(frozen=True)
class SiteBuild:
    docs: Path
    site: Path
    offline: Path | None
    pages: int
    charts: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict, repr=False)
    """Every page's charts by name (for exporting them as files)."""


def render_site(out: Path, *, site_url: str | None = None, offline: bool = True,
                timings: Timings | None = None, results: Path | None = None) -> SiteBuild:
    """Render OUT/results (or ``results``: a build's staged results, swapped in together with
    the site) into OUT/site_src and build OUT/site (and OUT/site-offline)."""
    timings = timings or Timings()
    out = out.resolve()  # MkDocs reads paths relative to its config file's folder
    swap.recover(out)  # a killed build's swap finished, its staging folders removed
    data = load_site_data(results if results is not None else out / "results")
    work = swap.stage(out, "site-build")
    child: MkDocsProcess | None = None
    try:
        docs = work / SITE_SRC
        with timings.stage("render pages"):
            nav, writer = render_pages(data, docs)
            write_assets(docs)
        name = f"headatlas: {data.model_name}"
        variants: list[tuple[str, str]] = [("http", SITE)]
        if offline:
            variants.append(("offline", SITE_OFFLINE))
            # the offline variant builds in a child process meanwhile (see mkdocs_build)
            config = site_config(nav, docs, work / SITE_OFFLINE, "offline",
                                 site_url=site_url, site_name=name)
            child = MkDocsProcess(config, work / "mkdocs-offline.yml")
        with timings.stage("mkdocs build (http)"):
            config = site_config(nav, docs, work / SITE, "http", site_url=site_url,
                                 site_name=name)
            run_mkdocs(config, work / "mkdocs-http.yml")
        if child is not None:
            with timings.stage("mkdocs build (offline)"):  # only the time it ran on alone
                child.wait()
        for variant, folder in variants:
            # A config a person can rebuild from by hand (paths relative to OUT).
            config = site_config(nav, Path(SITE_SRC), Path(folder), variant,  # type: ignore[arg-type]
                                 site_url=site_url, site_name=name)
            # Never "mkdocs.yml": with the default --out "." that is the project's own config.
            yml = f"mkdocs-{folder}.yml"
            write_config(config, out / yml)
        swaps: list[tuple[Path | None, Path]] = [
            (work / folder, out / folder) for folder in (SITE_SRC, *(f for _, f in variants))]
        if not offline and (out / SITE_OFFLINE).exists():
            swaps.append((None, out / SITE_OFFLINE))  # stale: not built this time
        if results is not None:
            swaps.append((results, out / "results"))
        swap.commit(swaps)
    finally:
        if child is not None:
            child.stop()
        swap.discard(work)
    return SiteBuild(docs=out / SITE_SRC, site=out / SITE,
                     offline=out / SITE_OFFLINE if offline else None,
                     pages=len(writer.charts_written), charts=writer.charts_written)
