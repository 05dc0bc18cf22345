"""Render the Jinja templates under templates/ into Markdown pages (OUT/site_src).

Pages: ``index.md`` (home), ``analyses/F.md`` for every ``templates/pages/F.md.j2`` whose
``results/F.json`` exists, ``layers/L<l>.md``, ``heads/L<l>-H<h>.md`` (which include
``templates/layer/F.md.j2`` / ``templates/head/F.md.j2`` for every existing results file F) and
``about.md``. Returns the MkDocs navigation for the pages it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from generator import vocabulary
from generator.errors import HeadAtlasError
from generator.progress import track
from generator.render import escape, names, site_data
from generator.render import findings as finding_sentences
from generator.render.escape import script_json
from generator.render.findings import behaviour_counts, findings
from generator.render.registry import (
    ANALYSIS_CHARTS,
    EXTRA_PAGES,
    HEAD_CHARTS,
    HOME_CHARTS,
    LAYER_CHARTS,
    TEMPLATE_HELPERS,
)
from generator.render.site_data import SiteData
from generator.resources import resource_path
from generator.vocabulary import METRIC_NAMES

NavItem = dict[str, Any] | str


def templates_dir() -> Path:
    """templates/: the wheel's packaged copy, else the repository root's (editable install)."""
    return resource_path("templates")


def make_environment(folder: Path | None = None) -> jinja2.Environment:
    folder = folder or templates_dir()
    if not folder.is_dir():
        raise HeadAtlasError("templates folder not found", path=folder)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=False,  # Markdown: corpus text goes through the "t" filter instead
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["t"] = escape.text
    env.filters["pct"] = lambda v, d=0: "n/a" if v is None else f"{v:.{d}%}"
    env.filters["num"] = lambda v, d=3: "n/a" if v is None else f"{v:.{d}f}"
    env.globals.update(head_label=names.head_label, paper_label=names.paper_label,
                       layer_label=names.layer_label, METRIC_NAMES=METRIC_NAMES,
                       **TEMPLATE_HELPERS)
    env.globals.update(grid_rank=site_data.grid_rank, grid_mean=site_data.grid_mean,
                       grid_top=site_data.grid_top,
                       GRADIENT_GROUP_NAMES=vocabulary.GRADIENT_GROUP_NAMES,
                       PROBE_DIRECTIONS=vocabulary.PROBE_DIRECTIONS,
                       OBJECTIVE_NAMES=vocabulary.OBJECTIVE_NAMES,
                       PAPER_UAS=finding_sentences.PAPER_UAS,
                       gradient_sep_sentence=finding_sentences.gradient_sep_sentence,
                       probe_sentence=finding_sentences.probe_sentence)
    return env


SPECS = "assets/headatlas/charts"
"""Where each page's chart specs go (one script per page), under the docs folder."""


def chart_div(chart_id: str) -> str:
    """An empty chart container; init.js draws it from ``window.__specs[chart_id]``."""
    return f'<div class="ha-chart" id="{chart_id}"></div>'


def specs_script(specs: dict[str, dict[str, Any]]) -> str:
    """The page's spec file: assignment statements (never JSON script tags, see STACK.md)."""
    lines = [f'(window.__specs=window.__specs||{{}})["{chart_id}"]={script_json(spec)};'
             for chart_id, spec in specs.items()]
    return "\n".join(lines + ["window.__haRender&&window.__haRender();", ""])


class PageWriter:
    """Renders one page at a time; every page gets the same helpers, bound to its own path."""

    def __init__(self, data: SiteData, docs: Path, env: jinja2.Environment) -> None:
        self.data, self.docs, self.env = data, docs, env
        self.present = sorted(data.documents)
        self.charts_written: dict[str, dict[str, dict[str, Any]]] = {}

    def exists(self, template: str) -> bool:
        return (Path(self.env.loader.searchpath[0]) / template).is_file()  # type: ignore[union-attr]

    def partials(self, kind: str) -> list[str]:
        """templates/<kind>/F.md.j2 for every results file F present: general first, examples
        last, the others in file-name order."""
        order = sorted(self.present, key=lambda f: (f != "general", f == "examples", f))
        return [f"{kind}/{f}.md.j2" for f in order if self.exists(f"{kind}/{f}.md.j2")]

    def write(self, page: str, template: str, charts: dict[str, dict[str, Any]],
              **context: Any) -> None:
        def link(to_page: str) -> str:
            return names.link(page, to_page)

        used: dict[str, dict[str, Any]] = {}

        def chart(name: str) -> str:
            if name not in charts:
                raise KeyError(f"{template}: no chart named {name!r} (have {sorted(charts)})")
            chart_id = "ha-" + name.replace(".", "-").replace("_", "-")
            used[chart_id] = charts[name]
            return chart_div(chart_id)

        text = self.env.get_template(template).render(
            data=self.data, page=page, link=link, chart=chart, has=self.data.has,
            partials=self.partials, **context)
        if used:
            script = f"{SPECS}/{page[: -len('.md')]}.js"
            target = self.docs / script
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(specs_script(used), encoding="utf-8")
            text += f'\n<script src="{names.link(page, script)}"></script>\n'
        path = self.docs / page
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.charts_written[page] = charts


def _collect(builders: dict[str, Callable[..., dict[str, Any]]], present: set[str],
             *args: Any) -> dict[str, dict[str, Any]]:
    charts: dict[str, dict[str, Any]] = {}
    for results_file, build in builders.items():
        if results_file in present:
            for name, spec in build(*args).items():
                charts[f"{results_file}.{name}"] = spec
    return charts


def neighbours(data: SiteData, layer: int, head: int) -> dict[str, tuple[int, int] | None]:
    """The heads a head page links to: previous/next in reading order, same head above/below."""
    order = data.heads()
    i = order.index((layer, head))
    return {
        "previous": order[i - 1] if i > 0 else None,
        "next": order[i + 1] if i + 1 < len(order) else None,
        "above": (layer - 1, head) if layer > 0 else None,
        "below": (layer + 1, head) if layer + 1 < data.num_layers else None,
    }


def render_pages(data: SiteData, docs: Path, env: jinja2.Environment | None = None
                 ) -> tuple[list[NavItem], PageWriter]:
    """Write every page under ``docs``; return the navigation and the writer (for its charts)."""
    env = env or make_environment()
    writer = PageWriter(data, docs, env)
    present = set(data.documents)
    home: dict[str, Any] = {}
    for build in HOME_CHARTS:
        home.update({f"home.{k}": v for k, v in build(data, "index.md").items()})
    writer.write("index.md", "home.md.j2", home, findings=findings(data),
                 counts=behaviour_counts(data))
    nav: list[NavItem] = [{"Home": "index.md"}]
    analyses: list[NavItem] = []
    for results_file in sorted(present):
        template = f"pages/{results_file}.md.j2"
        if not writer.exists(template):
            continue
        page = names.analysis_page(results_file)
        charts = _collect(ANALYSIS_CHARTS, {results_file}, data, page)
        writer.write(page, template, charts, doc=data.get(results_file))
        title = _title(env, template, results_file)
        extra = EXTRA_PAGES[results_file](data) if results_file in EXTRA_PAGES else []
        for more in extra:
            writer.write(more.page, more.template, {}, doc=data.get(results_file),
                         **more.context)
        analyses.append({title: [page, *({more.title: more.page} for more in extra)]}
                        if extra else {title: page})
    if analyses:
        nav.append({"Analyses": analyses})
    layers: list[NavItem] = []
    for layer in track(range(data.num_layers), data.num_layers, "Rendering layer and head pages"):
        page = names.layer_page(layer)
        writer.write(page, "layer.md.j2", _collect(LAYER_CHARTS, present, data, layer, page),
                     layer=layer)
        section: list[NavItem] = [{f"Layer {layer} overview": page}]
        for head in range(data.num_heads):
            hpage = names.head_page(layer, head)
            charts = _collect(HEAD_CHARTS, present, data, layer, head, hpage)
            writer.write(hpage, "head.md.j2", charts, layer=layer, head=head,
                         near=neighbours(data, layer, head))
            section.append({names.head_label(layer, head): hpage})
        layers.append({f"Layer {layer}": section})
    nav.append({"Layers and heads": layers})
    writer.write("about.md", "about.md.j2", {}, manifest=data.get("manifest"))
    nav.append({"About": "about.md"})
    return nav, writer


def _title(env: jinja2.Environment, template: str, fallback: str) -> str:
    """A page template names its navigation title in a ``{# title: ... #}`` first line."""
    source = env.loader.get_source(env, template)[0]  # type: ignore[union-attr]
    first = source.splitlines()[0] if source else ""
    if first.startswith("{# title:") and first.endswith("#}"):
        return first[len("{# title:"):-2].strip()
    return fallback
