"""The all-heads table (page ``all-heads.md``, file ``data/all-heads.csv``): one row per head.

Which columns it has is data: ``COLUMNS``, one ``Column(results file, metric, header)`` each.
``metric`` is a dotted path into the results document to a per-head value: a ``[layer][head]``
grid, or a flat list indexed ``layer * num_heads + head`` (heads.json); its last part may end in
``*`` to take every matching key (``metrics.norm_*``), in the order the site names them. A column
whose file or key a build lacks is left out, so a new results file is one line here. A few values
are derived, not stored (``DERIVED``: a head's best relation and its accuracy).

The page is a plain HTML table (readable with JavaScript off; only the head cell links there, to
keep a 1024-head page small); ``static/table.js`` sorts it by any column, filters it by layer,
cluster and label, and turns every cell into a link to the head's page.
"""

from __future__ import annotations

import csv
import fnmatch
import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.render import names
from generator.render.escape import text as escape_text
from generator.render.site_data import SiteData
from generator.render.views import syntax as syntax_view
from generator.render.views.gradients import gradient_group_names

PAGE = "all-heads.md"
CSV = "data/all-heads.csv"


@dataclass(frozen=True)
class Column:
    """One column (or, with ``*`` in ``metric``, one per matching key) of the all-heads table."""

    results: str
    """The results file (without ``.json``)."""
    metric: str
    """Dotted path to a per-head grid or flat per-head list; ``*`` in its last part expands."""
    header: str | None = None
    """The column's name; ``{name}`` is the site's name of the matched key; None: that name."""
    style: str = "share"
    """How cells are written: share (0.123), nats (1.23), sci (1.2e-06), pct (45.0%),
    cluster (C2), list (a, b), bool (yes/no), text."""
    filter: str | None = None
    """The browser filter this column feeds ("layer", "cluster", "label"), if any."""


COLUMNS: tuple[Column, ...] = (
    Column("heads", "cluster", "cluster", "cluster", filter="cluster"),
    Column("heads", "labels", "labels", "list", filter="label"),
    Column("general", "metrics.prev"),
    Column("general", "metrics.self"),
    Column("general", "metrics.next"),
    Column("general", "metrics.cls"),
    Column("general", "metrics.sep"),
    Column("general", "metrics.first"),
    Column("general", "metrics.punct"),
    Column("general", "metrics.sep_sep"),
    Column("general", "metrics.rest_sep"),
    Column("general", "metrics.entropy", "entropy", "nats"),
    Column("general", "metrics.entropy_normalised", "entropy (normalised)", "share"),
    Column("general", "metrics.cls_entropy", "[CLS] row entropy", "nats"),
    Column("general", "sinks.has_sink", "sink", "bool"),
    Column("general", "induction.induction", "induction", "share"),
    Column("general", "induction.duplicate", "duplicate", "share"),
    Column("norms", "metrics.norm_*", "norm-based {name}"),
    Column("gradients", "per_head.*", "gradient {name}", "sci"),
    Column("syntax", "best_relation", "best relation", "text"),
    Column("syntax", "best_relation_accuracy", "its accuracy", "pct"),
    Column("coref", "accuracy.all", "coreference accuracy", "pct"),
)
"""The table's columns after layer and head, in order (a decoder's general.json has ``first``,
``entropy_normalised``, ``sinks`` and ``induction``; an encoder's the rest)."""

Grid = list[list[Any]]


def best_relations(doc: dict[str, Any]) -> list[list[tuple[str, float] | None]]:
    """Per head, the relation (not "all") at which its accuracy in its better direction is the
    highest (``syntax.head_accuracy``; ties: the earlier in ``relation_order``), with it."""
    relations = [r for r in syntax_view.relation_order(doc) if r != "all"
                 and doc["relations"][r].get("best") is not None]
    layers, heads = _shape(doc)
    rows: list[list[tuple[str, float] | None]] = []
    for layer in range(layers):
        row: list[tuple[str, float] | None] = []
        for head in range(heads):
            best: tuple[str, float] | None = None
            for relation in relations:
                value, _ = syntax_view.head_accuracy(doc, relation, layer, head)
                if best is None or value > best[1]:
                    best = (relation, value)
            row.append(best)
        rows.append(row)
    return rows


def _shape(doc: dict[str, Any]) -> tuple[int, int]:
    model = doc.get("model", {})
    return int(model["num_layers"]), int(model["num_heads"])


def _best_part(index: int) -> Callable[[SiteData], Grid | None]:
    def grid(data: SiteData) -> Grid | None:
        doc = data.get("syntax")
        if not doc.get("relations"):
            return None
        return [[None if b is None else b[index] for b in row] for row in best_relations(doc)]
    return grid


DERIVED: dict[tuple[str, str], Callable[[SiteData], Grid | None]] = {
    ("syntax", "best_relation"): _best_part(0),
    ("syntax", "best_relation_accuracy"): _best_part(1),
}
"""Columns computed from a results document rather than read from it."""


def has_flat_index(doc: dict[str, Any]) -> bool:
    """Whether a results document keeps per-head values as flat lists (heads.json: its ``heads``
    lists every head's ``[layer, head]`` in order ``layer * num_heads + head``)."""
    return isinstance(doc.get("heads"), list)


def as_grid(value: Any, layers: int, heads: int, flat: bool = False) -> Grid | None:
    """``value`` as a ``[layer][head]`` grid: a grid itself, or with ``flat`` (a document with a
    flat head index, ``has_flat_index``) a flat per-head list; None for anything else."""
    if not isinstance(value, list):
        return None
    if len(value) == layers and all(isinstance(r, list) and len(r) == heads
                                    and all(not isinstance(v, (list, dict)) for v in r)
                                    for r in value):
        return value
    if flat and len(value) == layers * heads and all(
            not isinstance(v, dict) and (not isinstance(v, list)
                                         or all(isinstance(s, str) for s in v))
            for v in value):
        return [value[layer * heads:(layer + 1) * heads] for layer in range(layers)]
    return None


def _key_names(data: SiteData, results: str) -> dict[str, str]:
    """How the site names the keys of a results file's grids (for ``{name}`` in headers)."""
    if results == "gradients":
        return gradient_group_names(data)
    metrics = data.metric_names
    return {**metrics, **{f"norm_{k}": v for k, v in metrics.items()}}


@dataclass(frozen=True)
class TableColumn:
    """A column as this build has it: its header, style, filter and ``[layer][head]`` values."""

    key: str
    header: str
    style: str
    filter: str | None
    grid: Grid


def table_columns(data: SiteData, columns: tuple[Column, ...] = COLUMNS) -> list[TableColumn]:
    """The columns of ``columns`` this build's results have (missing files and keys dropped)."""
    out: list[TableColumn] = []
    for column in columns:
        if not data.has(column.results):
            continue
        derive = DERIVED.get((column.results, column.metric))
        if derive is not None:
            grid = derive(data)
            if grid is not None:
                out.append(TableColumn(f"{column.results}.{column.metric}",
                                       column.header or column.metric, column.style,
                                       column.filter, grid))
            continue
        *path, last = column.metric.split(".")
        doc = data.get(column.results)
        node: Any = doc
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        names_ = _key_names(data, column.results)
        keys = [k for k in node if fnmatch.fnmatchcase(k, last)]
        if "*" in last:  # the site's order first, then by name
            order = list(names_)
            keys.sort(key=lambda k: (order.index(k) if k in order else len(order), k))
        for key in keys:
            grid = as_grid(node[key], data.num_layers, data.num_heads, has_flat_index(doc))
            if grid is None:
                continue
            name = names_.get(key, key)
            header = (column.header or "{name}").format(name=name)
            out.append(TableColumn(".".join([column.results, *path, key]), header, column.style,
                                   column.filter, grid))
    return out


def cell_text(value: Any, style: str) -> str:
    """A value as the page writes it ("n/a" when missing)."""
    if value is None:
        return "n/a"
    if style == "cluster":
        return names.cluster_label(int(value))
    if style == "list":
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if style == "bool":
        return "yes" if value else "no"
    if style == "text":
        return str(value)
    if style == "share":
        return f"{value:.3f}"
    if style == "nats":
        return f"{value:.2f}"
    if style == "sci":
        return f"{value:.3g}"
    if style == "pct":
        return f"{value:.1%}"
    raise ValueError(f"unknown cell style {style!r}")


def csv_value(value: Any) -> str:
    """A value as the CSV writes it: as stored (full precision), lists joined by "; "."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def table_csv(data: SiteData, columns: list[TableColumn] | None = None) -> str:
    """The all-heads table as CSV: layer, head (0-based), head name, then each column's stored
    value (a cluster by its number, labels joined by "; ")."""
    columns = table_columns(data) if columns is None else columns
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["layer", "head", "name", *(c.header for c in columns)])
    for layer, head in data.heads():
        writer.writerow([layer, head, names.head_label(layer, head),
                         *(csv_value(c.grid[layer][head]) for c in columns)])
    return out.getvalue()


def _cell(value: Any, style: str) -> str:
    shown = escape_text(cell_text(value, style)) if style == "text" else \
        html.escape(cell_text(value, style))
    if style == "cluster" and value is not None:
        return f'<td data-v="{int(value)}">{shown}</td>'
    return f"<td>{shown}</td>"


def table_html(data: SiteData, page: str = PAGE,
               columns: list[TableColumn] | None = None) -> str:
    """The table as one HTML block (no blank line inside, so Markdown passes it through), in a
    box that scrolls sideways: the head cell links to its page, every header names what the
    column holds."""
    columns = table_columns(data) if columns is None else columns
    head_cells = ['<th data-filter="head">head</th>', '<th data-filter="layer">layer</th>']
    for c in columns:
        kind = f' data-filter="{c.filter}"' if c.filter else ""
        head_cells.append(f'<th{kind} title="{html.escape(c.key)}">{html.escape(c.header)}</th>')
    lines = ['<div class="ha-table-wrap">', '<table class="ha-heads-table">',
             "<thead><tr>" + "".join(head_cells) + "</tr></thead>", "<tbody>"]
    for k, (layer, head) in enumerate(data.heads()):
        href = names.html_url(page, names.head_page(layer, head))
        cells = [f'<td data-v="{k}"><a href="{href}">{names.head_label(layer, head)}</a></td>',
                 f'<td data-v="{layer}">{names.layer_label(layer)}</td>']
        cells += [_cell(c.grid[layer][head], c.style) for c in columns]
        lines.append("<tr>" + "".join(cells) + "</tr>")
    lines += ["</tbody>", "</table>", "</div>"]
    return "\n".join(lines)
