"""Every results file the site shows, one view each (see ``views/base.py`` for what a view is).

To show a new results file F: write ``views/F.py`` ending in ``VIEW = View("F", ...)``, its
templates under ``templates/F/``, and add ``F.VIEW`` to ``VIEWS`` below.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from generator.render.site_data import SiteData
from generator.render.views import (
    coref,
    examples,
    general,
    gradients,
    heads,
    norms,
    probes,
    syntax,
)
from generator.render.views.base import ExtraPage, View

VIEWS: tuple[View, ...] = (general.VIEW, gradients.VIEW, norms.VIEW, probes.VIEW, syntax.VIEW,
                           coref.VIEW, heads.VIEW, examples.VIEW)
"""In the order of the home page's findings. (Pages are listed by file name; head and layer
pages have general's section first, examples' last, the others by file name.)"""

__all__ = ["VIEWS", "ExtraPage", "View", "findings", "present", "template_globals"]


def present(data: SiteData) -> list[View]:
    """The views whose results file this build has, in ``VIEWS`` order."""
    return [view for view in VIEWS if data.has(view.results)]


def findings(data: SiteData, page: str = "index.md") -> list[str]:
    """The home page's findings: each present view's sentences, in ``VIEWS`` order."""
    return [sentence for view in present(data) if view.findings
            for sentence in view.findings(data, page)]


def template_globals(views: Iterable[View] = VIEWS) -> dict[str, Any]:
    """Every view's template globals together; a name two views define differently is an
    error (so no view silently shadows another's)."""
    merged: dict[str, Any] = {}
    for view in views:
        for name, value in view.globals.items():
            if name in merged and merged[name] is not value:
                raise ValueError(f"template global {name!r} defined by two views "
                                 f"(the second: {view.results})")
            merged[name] = value
    return merged
