"""A GitHub Actions workflow that publishes the report site with GitHub Pages
(``headatlas init-pages`` writes it into a repository).

Two ways to get the site on the runner:

- ``build``: install headatlas and run ``headatlas build --config headatlas.toml`` (the committed
  config; the model and corpus files it names must be reachable from the runner);
- ``render``: install headatlas and run ``headatlas render`` on committed results
  (``OUT/results/*.json``): no model, minutes instead of a build.

Then the official Pages actions (configure-pages, upload-pages-artifact, deploy-pages) deploy
``OUT/site`` (built with ``--site-url`` set to the Pages URL, which instant navigation needs).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from generator import __version__
from generator.errors import HeadAtlasError

Source = Literal["build", "render"]
WORKFLOW = Path(".github/workflows/headatlas-pages.yml")
"""Where the workflow goes in the user's repository."""
BUILD_OUT = ".headatlas-pages"
"""The runner's output folder of a ``build`` workflow (never committed)."""
ACTIONS = {
    "checkout": "actions/checkout@v4",
    "setup-python": "actions/setup-python@v5",
    "configure-pages": "actions/configure-pages@v5",
    "upload-pages-artifact": "actions/upload-pages-artifact@v3",
    "deploy-pages": "actions/deploy-pages@v4",
}
SITE_URL = '"${{ steps.pages.outputs.base_url }}/"'
"""configure-pages' base URL (no trailing slash), as the site's ``--site-url``."""
STARTER_CONFIG = """\
# headatlas build settings for the Pages workflow (.github/workflows/headatlas-pages.yml).
# Keys are the flags of `headatlas build` (README: "flag / TOML key"); paths are relative to
# the repository root, and the files they name must be committed.
model = "default"
max_segments = 1000
"""


def default_install() -> str:
    """The pip requirement the workflow installs: this headatlas version."""
    return f"headatlas=={__version__}"


def _quote(value: str) -> str:
    """A shell word: single-quoted unless plainly safe."""
    safe = all(c.isalnum() or c in "._-/=:+@" for c in value)
    return value if value and safe else "'" + value.replace("'", "'\\''") + "'"


def site_command(source: Source, *, out: str, config: str) -> str:
    """The workflow's one headatlas command (``out``: the folder whose ``site/`` is deployed)."""
    if source == "build":
        return (f"headatlas build --config {_quote(config)} --out {_quote(out)} "
                f"--site-url {SITE_URL} --no-offline-site")
    return f"headatlas render --out {_quote(out)} --site-url {SITE_URL} --no-offline-site"


def workflow_text(source: Source, *, out: str, config: str = "headatlas.toml",
                  branch: str = "main", install: str | None = None,
                  python: str = "3.11") -> str:
    """The workflow YAML: on a push to ``branch`` (or by hand), build or render the site, then
    deploy it with the official Pages actions."""
    install = install or default_install()
    what = (f"rebuilds the site from {config}" if source == "build"
            else f"re-renders the site from the committed results in {out}/results")
    site = f"{out}/site"
    return f"""\
# Written by `headatlas init-pages` (headatlas {__version__}): {what}
# and publishes it with GitHub Pages. Once: Settings > Pages > Build and deployment > Source:
# "GitHub Actions".
name: headatlas pages

on:
  push:
    branches: [{branch}]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: {ACTIONS["checkout"]}
      - uses: {ACTIONS["setup-python"]}
        with:
          python-version: "{python}"
      - id: pages
        uses: {ACTIONS["configure-pages"]}
      - name: Install headatlas
        run: |
          python -m pip install --upgrade pip
          python -m pip install torch --index-url https://download.pytorch.org/whl/cpu
          python -m pip install {_quote(install)}
      - name: {"Build" if source == "build" else "Render"} the site
        run: |
          {site_command(source, out=out, config=config)}
      - uses: {ACTIONS["upload-pages-artifact"]}
        with:
          path: {site}

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: {ACTIONS["deploy-pages"]}
"""


def init_pages(repo: Path, source: Source, *, out: str | None = None,
               config: str = "headatlas.toml", branch: str = "main",
               install: str | None = None, force: bool = False) -> list[Path]:
    """Write the workflow into ``repo`` (and, for ``build`` without a config, a starter
    ``headatlas.toml``); return the files written. A one-line HeadAtlasError when the workflow
    exists (without ``force``), the config is not valid TOML of known keys, or ``render`` finds
    no committed results."""
    from generator.config import make_config

    if not repo.is_dir():
        raise HeadAtlasError("not a folder", path=repo)
    target = repo / WORKFLOW
    if target.exists() and not force:
        raise HeadAtlasError("the workflow exists already (--force replaces it)", path=target)
    written: list[Path] = []
    if source == "build":
        out = out or BUILD_OUT
        toml = repo / config
        if not toml.exists():
            toml.write_text(STARTER_CONFIG, encoding="utf-8")
            written.append(toml)
        try:
            values = tomllib.loads(toml.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise HeadAtlasError(f"cannot read the config: {exc}", path=toml) from None
        make_config(values, where=str(toml))  # unknown keys and bad values fail now
    else:
        out = out or "."
        manifest = repo / out / "results" / "manifest.json"
        if not manifest.is_file():
            raise HeadAtlasError("no results to render: build with --out OUT and commit "
                                 "OUT/results (or give --out)", path=manifest)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workflow_text(source, out=out, config=config, branch=branch,
                                    install=install), encoding="utf-8")
    written.append(target)
    return written
