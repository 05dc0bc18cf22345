"""``headatlas merge OUT --states DIR...``: shards' states to results and site."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def merge(
    out: Annotated[Path, typer.Argument(help="Output folder (results/, site/).")],
    states: Annotated[list[Path], typer.Option(
        help="Folder (or file) of shard-K-of-W.json state files; repeatable.")],
    site: Annotated[bool, typer.Option(help="Render pages and build the site.")] = True,
    site_url: Annotated[str | None, typer.Option(help="URL the site will be served at.")] = None,
    offline_site: Annotated[bool, typer.Option(
        help="Also build OUT/site-offline for file://.")] = True,
) -> None:
    """Merge the states of every shard of a build (headatlas build --shard K/W), then write
    results and site as a one-machine build does."""
    from generator.cli.build import run_build
    from generator.config import make_config
    from generator.merge import read_shards

    shards = read_shards(states)
    values = {**shards[0]["settings"], "out": str(out), "site": site,
              "offline_site": offline_site}
    if site_url is not None:
        values["site_url"] = site_url
    config = make_config({k: v for k, v in values.items() if v is not None},
                         where=shards[0]["path"])
    run_build(config, shard_states=shards)
