"""Write the site's own scripts and styles into the docs folder at build time.

The Vega, Vega-Lite and vega-embed JavaScript comes from the installed vl-convert package (no
CDN); init.js draws the charts; table.js sorts and filters the all-heads table; the
iframe-worker shim (MIT, vendored) lets search run from ``file://`` in the offline variant, which
MkDocs Material would otherwise fetch from a CDN.
"""

from __future__ import annotations

from pathlib import Path

ASSETS = "assets/headatlas"
STATIC = Path(__file__).parent / "static"
SHIM = "iframe-worker-shim.js"


def vega_bundle() -> str:
    import vl_convert

    return vl_convert.javascript_bundle()


def write_assets(docs: Path) -> Path:
    """Copy the chart scripts and styles under ``docs/assets/headatlas``."""
    folder = docs / ASSETS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vega-bundle.js").write_text(vega_bundle(), encoding="utf-8")
    for name in ("init.js", "table.js", "headatlas.css", SHIM):
        (folder / name).write_text((STATIC / name).read_text(encoding="utf-8"), encoding="utf-8")
    return folder
