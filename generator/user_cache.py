"""The per-user cache folder: what is worth keeping between builds of any output folder (weight
hashes, the Vega JavaScript bundle), as opposed to a build's own cache under OUT."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_root() -> Path:
    """``$XDG_CACHE_HOME/headatlas`` (a relative or empty XDG_CACHE_HOME is ignored, as the XDG
    spec says), else ``~/.cache/headatlas``."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "headatlas"
