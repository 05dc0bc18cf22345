"""``headatlas deploy``: publish OUT/site to a gh-pages branch (GitHub Pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from generator.progress import console


def deploy(
    remote: Annotated[str, typer.Option(help="Git remote URL or path to push to.")],
    out: Annotated[Path, typer.Option(help="Output folder of a build (holds site/) [.].")]
    = Path("."),
    branch: Annotated[str, typer.Option(help="Branch to publish to [gh-pages].")] = "gh-pages",
) -> None:
    """Push OUT/site as a new commit on BRANCH of REMOTE (build with --site-url set first)."""
    from generator.render.deploy import deploy_site

    commit = deploy_site(out / "site", remote, branch)
    console.print(f"published {out / 'site'} to {remote} ({branch} at {commit[:12]})")
