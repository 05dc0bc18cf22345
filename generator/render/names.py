"""How heads and layers are named and where their pages live (0-based everywhere).

The site writes head (layer 3, head 7) as ``L3-H7``; the paper's 1-based ``4-8`` is the same head.
Page paths are relative to the docs folder; the site uses ``.html`` URLs (no directory URLs) so
the same links work over HTTP and from ``file://``.
"""

from __future__ import annotations

import posixpath


def head_label(layer: int, head: int) -> str:
    return f"L{layer}-H{head}"


def paper_label(layer: int, head: int) -> str:
    """The paper's 1-based ``layer-head`` name of a 0-based head."""
    return f"{layer + 1}-{head + 1}"


def layer_label(layer: int) -> str:
    return f"L{layer}"


def head_page(layer: int, head: int) -> str:
    return f"heads/{head_label(layer, head)}.md"


def layer_page(layer: int) -> str:
    return f"layers/{layer_label(layer)}.md"


def analysis_page(results_file: str) -> str:
    return f"analyses/{results_file}.md"


def link(from_page: str, to_page: str) -> str:
    """A relative Markdown link target from one page to another (both docs-relative .md paths)."""
    return posixpath.relpath(to_page, posixpath.dirname(from_page) or ".")


def html_url(from_page: str, to_page: str) -> str:
    """A relative URL to the built HTML of ``to_page`` (for chart hyperlinks)."""
    return link(from_page, to_page)[: -len(".md")] + ".html"


def head_link(from_page: str, layer: int, head: int) -> str:
    """A Markdown link to a head's page, named by the head: ``[L3-H7](../heads/L3-H7.md)``."""
    return f"[{head_label(layer, head)}]({link(from_page, head_page(layer, head))})"


def cluster_label(cluster: int) -> str:
    """A head cluster of heads.json (0-based, numbered by its lowest head)."""
    return f"C{cluster}"


def cluster_page(cluster: int) -> str:
    return f"clusters/{cluster_label(cluster)}.md"
