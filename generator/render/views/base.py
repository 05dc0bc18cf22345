"""What a view is: everything the site makes of one results file, named in one place.

A view of results file F (OUT/results/F.json) is a module ``generator/render/views/F.py`` (its
charts, the helpers its templates call, its sentences for the home page) with templates under
``templates/F/``: ``page.md.j2`` (its page ``analyses/F.md``), ``head.md.j2`` (a section of every
head page), ``layer.md.j2`` (a section of every layer page); each is used when it exists, and a
decoder's site (``SiteData.is_decoder``) uses ``<kind>-decoder.md.j2`` instead where it exists.
The module ends with ``VIEW = View(...)``, and ``generator/render/views/__init__.py`` lists it in
``VIEWS``. Nothing of a view is used when F.json does not exist.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from generator.render.site_data import SiteData

Spec = dict[str, Any]
"""A Vega-Lite spec (``chart_kit.to_spec``)."""
PageCharts = Callable[[SiteData, str], dict[str, Spec]]
"""(data, page) -> {name: spec}, for a page of its own (or the home page)."""
LayerCharts = Callable[[SiteData, int, str], dict[str, Spec]]
"""(data, layer, page) -> {name: spec}, for the section of a layer page."""
HeadCharts = Callable[[SiteData, int, int, str], dict[str, Spec]]
"""(data, layer, head, page) -> {name: spec}, for the section of a head page."""
Findings = Callable[[SiteData, str], list[str]]
"""(data, page) -> Markdown sentences for the home page's findings (links relative to page)."""


@dataclass(frozen=True)
class ExtraPage:
    """A page of its own beyond ``analyses/F.md`` (listed under F's page in the navigation)."""

    page: str
    template: str
    title: str
    context: dict[str, Any]
    charts: dict[str, Any] = field(default_factory=dict)
    """Its charts by name, embedded as ``{{ chart("F.name") }}`` (F: the view's results file)."""


@dataclass(frozen=True)
class View:
    """One results file's part of the site. Chart builders return ``{name: spec}``; a template
    embeds one with ``{{ chart("F.name") }}`` (home charts: ``{{ chart("home.name") }}``)."""

    results: str
    """The results file's name without ``.json`` (F)."""
    title: str | None = None
    """The navigation title of its page ``analyses/F.md`` (from ``templates/F/page.md.j2``)."""
    page_charts: PageCharts | None = None
    layer_charts: LayerCharts | None = None
    head_charts: HeadCharts | None = None
    home_charts: PageCharts | None = None
    """Charts for the home page (``templates/home.md.j2``)."""
    extra_pages: Callable[[SiteData], list[ExtraPage]] | None = None
    findings: Findings | None = None
    globals: Mapping[str, Any] = field(default_factory=dict)
    """Names the templates may use (every template sees every view's; no name twice)."""

    def template(self, kind: str) -> str:
        """``templates/F/<kind>.md.j2``: kind is "page", "head" or "layer", or one of them with
        "-decoder" (the variant a decoder's site uses where it exists)."""
        return f"{self.results}/{kind}.md.j2"


def module(name: str) -> ModuleType:
    """A view module itself (``module(__name__)``), for templates that call its helpers."""
    return sys.modules[name]
