"""``headatlas init-pages``: write a GitHub Actions workflow that publishes the site with
GitHub Pages (``generator/render/pages_workflow.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from generator.progress import console


def init_pages(
    repo: Annotated[Path, typer.Option(help="The repository to write the workflow into [.].")]
    = Path("."),
    source: Annotated[str, typer.Option(
        "--from", help="build: run headatlas build --config CONFIG on the runner; render: "
                       "re-render committed results (OUT/results) [build].")] = "build",
    config: Annotated[str, typer.Option(
        help="The committed TOML config, relative to the repository (--from build; a starter "
             "is written when missing) [headatlas.toml].")] = "headatlas.toml",
    out: Annotated[str | None, typer.Option(
        help="Output folder relative to the repository: --from render: the one holding the "
             "committed results/ [.]; --from build: the runner's [.headatlas-pages].")] = None,
    branch: Annotated[str, typer.Option(help="Publish on pushes to this branch [main].")]
    = "main",
    install: Annotated[str | None, typer.Option(
        help="What the workflow pip-installs [headatlas==this version].")] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing workflow.")] = False,
) -> None:
    """Write .github/workflows/headatlas-pages.yml: build or render the site and deploy it with
    the official GitHub Pages actions."""
    from generator.errors import HeadAtlasError
    from generator.render.pages_workflow import init_pages as write

    if source not in ("build", "render"):
        raise HeadAtlasError(f"--from must be build or render, got {source!r}",
                             path="command line")
    written = write(repo, source, out=out, config=config, branch=branch,  # type: ignore[arg-type]
                    install=install, force=force)
    for path in written:
        console.print(f"wrote {path}")
    console.print("next: commit these files, and once choose Settings > Pages > Source: "
                  "\"GitHub Actions\" in the repository on GitHub")
