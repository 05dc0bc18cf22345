"""The site's downloads, written into the docs folder at render time (MkDocs copies them).

``data/F.json``: each results file as the build wrote it (copied byte for byte when the results
folder is known); ``data/F.csv``: its per-head values, one row per head (layer, head, then every
``[layer][head]`` grid and every flat per-head list of the document, named by its dotted path);
``data/all-heads.csv``: the all-heads table (``heads_table``). Pages link them with
``download_links``.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path
from typing import Any

from generator.render import names
from generator.render.heads_table import CSV, as_grid, csv_value, has_flat_index, table_csv
from generator.render.site_data import SiteData
from generator.results import dumps

DATA = "data"
"""The downloads' folder under the docs folder."""


def json_path(results: str) -> str:
    return f"{DATA}/{results}.json"


def csv_path(results: str) -> str:
    return f"{DATA}/{results}.csv"


def per_head_grids(doc: dict[str, Any], layers: int, heads: int, prefix: str = "",
                   flat: bool | None = None) -> list[tuple[str, list[list[Any]]]]:
    """Every per-head value of a results document, as (dotted path, ``[layer][head]`` grid), in
    key order: its grids, and its flat per-head lists where it has a flat head index (heads.json);
    nested objects are searched, lists of other shapes (a distance matrix) are not."""
    flat = has_flat_index(doc) if flat is None else flat
    found: list[tuple[str, list[list[Any]]]] = []
    for key in sorted(doc):
        value, path = doc[key], f"{prefix}{key}"
        if isinstance(value, dict):
            found += per_head_grids(value, layers, heads, f"{path}.", flat)
        elif path != "heads" and (grid := as_grid(value, layers, heads, flat)) is not None:
            found.append((path, grid))
    return found


def per_head_csv(data: SiteData, results: str) -> str | None:
    """A results file's per-head values as CSV (None when it has none)."""
    grids = per_head_grids(data.get(results), data.num_layers, data.num_heads)
    if not grids:
        return None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["layer", "head", "name", *(path for path, _ in grids)])
    for layer, head in data.heads():
        writer.writerow([layer, head, names.head_label(layer, head),
                         *(csv_value(grid[layer][head]) for _, grid in grids)])
    return out.getvalue()


def write_downloads(data: SiteData, docs: Path) -> dict[str, dict[str, str]]:
    """Write every download under ``docs/data``; return, per results file, the docs-relative
    paths of its ``json`` and (when it has per-head values) ``csv``."""
    folder = docs / DATA
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, dict[str, str]] = {}
    for results in sorted(data.documents):
        source = data.folder / f"{results}.json" if data.folder is not None else None
        if source is not None and source.is_file():
            shutil.copyfile(source, docs / json_path(results))
        else:
            (docs / json_path(results)).write_text(dumps(data.get(results)), encoding="utf-8")
        written[results] = {"json": json_path(results)}
        table = per_head_csv(data, results) if results != "manifest" else None
        if table is not None:
            (docs / csv_path(results)).write_text(table, encoding="utf-8")
            written[results]["csv"] = csv_path(results)
    (docs / CSV).write_text(table_csv(data), encoding="utf-8")
    return written


def download_links(page: str, files: dict[str, str], results: str) -> str:
    """A Markdown paragraph linking a results file's downloads from ``page``."""
    parts = [f"[results JSON (`{results}.json`)]({names.link(page, files['json'])})"]
    if "csv" in files:
        parts.append(f"[per-head table as CSV (`{results}.csv`, one row per head)]"
                     f"({names.link(page, files['csv'])})")
    return "**Download the data:** " + "; ".join(parts) + "."
