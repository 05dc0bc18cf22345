"""Write the site's own scripts and styles into the docs folder at build time.

The Vega, Vega-Lite and vega-embed JavaScript comes from the installed vl-convert package (no
CDN); init.js draws the charts; table.js sorts and filters the all-heads table; the
iframe-worker shim (MIT, vendored) lets search run from ``file://`` in the offline variant, which
MkDocs Material would otherwise fetch from a CDN.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from generator.results import write_text_atomic
from generator.user_cache import user_cache_root

ASSETS = "assets/headatlas"
STATIC = Path(__file__).parent / "static"
SHIM = "iframe-worker-shim.js"


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script, from vl-convert (no CDN). Making it takes
    vl-convert ~1.3 s, half of rendering a small site's pages, and it depends only on the
    vl-convert version: so it is kept in the per-user cache under that version and made once.
    A cache that cannot be written is skipped."""
    import vl_convert

    path = user_cache_root() / f"vega-bundle-{vl_convert.__version__}.js"
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    bundle = vl_convert.javascript_bundle()
    with contextlib.suppress(OSError):  # an unwritable cache: the bundle is made next time too
        write_text_atomic(path, bundle)  # whole or absent: never half a bundle
    return bundle


def write_assets(docs: Path) -> Path:
    """Copy the chart scripts and styles under ``docs/assets/headatlas``."""
    folder = docs / ASSETS
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vega-bundle.js").write_text(vega_bundle(), encoding="utf-8")
    for name in ("init.js", "table.js", "headatlas.css", SHIM):
        (folder / name).write_text((STATIC / name).read_text(encoding="utf-8"), encoding="utf-8")
    return folder
