"""Find the site's Jinja ``templates/`` and static ``mkdocs.yml``.

Both live at the repository root (the source of truth). A wheel carries copies under
``generator/_resources/`` (``setup.py`` puts them there at build time); an editable install or a
source checkout has none and reads the root. The packaged copy wins, so a wheel never picks up an
unrelated ``templates/`` folder that another distribution left in site-packages.
"""

from __future__ import annotations

from pathlib import Path

from generator.errors import HeadAtlasError

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGED = PACKAGE_DIR / "_resources"
"""Where a wheel install keeps its copies (written by setup.py's build_py)."""
SOURCE_ROOT = PACKAGE_DIR.parent
"""The repository root of an editable install or source tree (holds pyproject.toml)."""


def resource_path(name: str) -> Path:
    """``name`` ("templates" or "mkdocs.yml") in the installed package, else at the source root.

    Raises a one-line HeadAtlasError naming both places when neither has it (a wheel built
    without setup.py's build step, or a source tree missing the file).
    """
    packaged = PACKAGED / name
    if packaged.exists():
        return packaged
    source = SOURCE_ROOT / name
    if (SOURCE_ROOT / "pyproject.toml").is_file() and source.exists():
        return source
    raise HeadAtlasError(f"headatlas resource {name!r} not found in the installed package "
                         f"({packaged}) nor in a source tree ({source}); reinstall headatlas "
                         f"(pip install . or pip install -e .)", path=packaged)
