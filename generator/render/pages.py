"""Render the Jinja templates under templates/ into Markdown pages (OUT/site_src).

Pages: ``index.md`` (home), ``analyses/F.md`` for every view (``generator/render/views``) whose
``templates/F/page.md.j2`` exists, ``layers/L<l>.md``, ``heads/L<l>-H<h>.md`` (which include
``templates/F/layer.md.j2`` / ``templates/F/head.md.j2`` of every view that has them), a view's
extra pages and ``about.md``; a view is used only when its ``results/F.json`` exists. A decoder's
site takes ``templates/F/<kind>-decoder.md.j2`` instead of ``<kind>.md.j2`` where there is one
(``PageWriter.template``). Returns the MkDocs navigation for the pages it wrote. Nothing here
knows any results file but through VIEWS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from generator.errors import HeadAtlasError
from generator.progress import track
from generator.render import escape, heads_table, names
from generator.render.downloads import download_links, write_downloads
from generator.render.escape import script_json
from generator.render.site_data import SiteData, grid_mean, grid_rank, grid_top
from generator.render.views import View, findings, present, template_globals
from generator.resources import resource_path

NavItem = dict[str, Any] | str


def templates_dir() -> Path:
    """templates/: the wheel's packaged copy, else the repository root's (editable install)."""
    return resource_path("templates")


def make_environment(folder: Path | None = None) -> jinja2.Environment:
    """The Jinja environment: filters, names and grid helpers for every template, and every
    view's template globals."""
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
                       layer_label=names.layer_label, grid_rank=grid_rank, grid_mean=grid_mean,
                       grid_top=grid_top)
    views = template_globals()
    clash = sorted(set(views) & set(env.globals))
    if clash:
        raise ValueError(f"view template globals hide the environment's: {clash}")
    env.globals.update(views)
    return env


NAV_HEADS_PER_LAYER = 16
"""The navigation lists a layer's heads under it up to this many heads per layer; a larger
model (a 7B decoder's 32 x 32 = 1024 heads) gets one entry per layer, whose page lists and links
its heads (and every head page links its neighbours), so the navigation stays short."""

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
        self.views = present(data)
        self.charts_written: dict[str, dict[str, dict[str, Any]]] = {}

    def exists(self, template: str) -> bool:
        return (Path(self.env.loader.searchpath[0]) / template).is_file()  # type: ignore[union-attr]

    def template(self, view: View, kind: str) -> str | None:
        """templates/F/<kind>.md.j2 if it exists, else None; on a decoder's site its variant
        templates/F/<kind>-decoder.md.j2 instead where the view has one."""
        if not self.exists(view.template(kind)):
            return None
        variant = view.template(f"{kind}-decoder")
        return variant if self.data.is_decoder and self.exists(variant) else view.template(kind)

    def partials(self, kind: str) -> list[str]:
        """templates/F/<kind>.md.j2 (or its decoder variant) of every view present that has
        one: general first, examples last, the others in file-name order."""
        order = sorted(self.views, key=lambda v: (v.results != "general",
                                                  v.results == "examples", v.results))
        return [t for v in order if (t := self.template(v, kind)) is not None]

    def write(self, page: str, template: str, charts: dict[str, dict[str, Any]],
              footer: str = "", **context: Any) -> None:
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
        if footer:
            text = text.rstrip("\n") + "\n\n" + footer + "\n"
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


def _collect(views: list[View], kind: str, *args: Any, prefix: str | None = None
             ) -> dict[str, dict[str, Any]]:
    """The charts of every view's builder ``kind`` ("page_charts", ...), named
    ``F.name`` (or ``prefix.name``)."""
    charts: dict[str, dict[str, Any]] = {}
    for view in views:
        build = getattr(view, kind)
        if build is not None:
            for name, spec in build(*args).items():
                charts[f"{prefix or view.results}.{name}"] = spec
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
    views = writer.views
    downloads = write_downloads(data, docs)
    home = _collect(views, "home_charts", data, "index.md", prefix="home")
    writer.write("index.md", "home.md.j2", home, findings=findings(data, "index.md"))
    nav: list[NavItem] = [{"Home": "index.md"}]
    analyses: list[NavItem] = []
    for view in sorted(views, key=lambda v: v.results):
        template = writer.template(view, "page")
        if template is None:
            continue
        page = names.analysis_page(view.results)
        charts = _collect([view], "page_charts", data, page)
        writer.write(page, template, charts, doc=data.get(view.results),
                     footer=download_links(page, downloads[view.results], view.results))
        title = view.title or view.results
        extra = view.extra_pages(data) if view.extra_pages else []
        for more in extra:
            writer.write(more.page, more.template,
                         {f"{view.results}.{name}": spec for name, spec in more.charts.items()},
                         doc=data.get(view.results), **more.context)
        analyses.append({title: [page, *({more.title: more.page} for more in extra)]}
                        if extra else {title: page})
    if analyses:
        nav.append({"Analyses": analyses})
    layers: list[NavItem] = []
    for layer in track(range(data.num_layers), data.num_layers, "Rendering layer and head pages"):
        page = names.layer_page(layer)
        writer.write(page, "layer.md.j2", _collect(views, "layer_charts", data, layer, page),
                     layer=layer)
        section: list[NavItem] = [{f"Layer {layer} overview": page}]
        for head in range(data.num_heads):
            hpage = names.head_page(layer, head)
            charts = _collect(views, "head_charts", data, layer, head, hpage)
            writer.write(hpage, "head.md.j2", charts, layer=layer, head=head,
                         near=neighbours(data, layer, head))
            section.append({names.head_label(layer, head): hpage})
        if data.num_heads <= NAV_HEADS_PER_LAYER:
            layers.append({f"Layer {layer}": section})
        else:  # the layer page lists (and links) its heads
            layers.append({f"Layer {layer}": page})
    nav.append({"Layers and heads": layers})
    columns = heads_table.table_columns(data)
    writer.write(heads_table.PAGE, "all_heads.md.j2", {}, columns=columns,
                 table=heads_table.table_html(data, heads_table.PAGE, columns),
                 csv=heads_table.CSV)
    nav.append({"All heads (table)": heads_table.PAGE})
    writer.write("about.md", "about.md.j2", {}, manifest=data.get("manifest"),
                 downloads=downloads)
    nav.append({"About": "about.md"})
    return nav, writer
