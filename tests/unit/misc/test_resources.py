"""resource_path: the wheel's packaged copy first, the source tree's root otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import resources
from generator.errors import HeadAtlasError
from generator.resources import resource_path


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    packaged, root = tmp_path / "pkg" / "_resources", tmp_path / "root"
    root.mkdir()
    monkeypatch.setattr(resources, "PACKAGED", packaged)
    monkeypatch.setattr(resources, "SOURCE_ROOT", root)
    return packaged, root


def test_the_source_tree_is_this_checkout() -> None:
    repo = Path(__file__).resolve().parents[3]
    assert resource_path("templates") == repo / "templates"
    assert resource_path("mkdocs.yml") == repo / "mkdocs.yml"


def test_the_packaged_copy_wins_over_the_source_root(places: tuple[Path, Path]) -> None:
    packaged, root = places
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    (root / "templates").mkdir()
    (root / "mkdocs.yml").write_text("", encoding="utf-8")
    assert resource_path("templates") == root / "templates"
    (packaged / "templates").mkdir(parents=True)
    assert resource_path("templates") == packaged / "templates"
    assert resource_path("mkdocs.yml") == root / "mkdocs.yml"  # each name on its own


def test_a_folder_without_pyproject_is_not_a_source_tree(places: tuple[Path, Path]) -> None:
    _, root = places  # e.g. site-packages with another distribution's top-level templates/
    (root / "templates").mkdir()
    with pytest.raises(HeadAtlasError, match="'templates' not found") as err:
        resource_path("templates")
    assert "\n" not in str(err.value) and str(root / "templates") in str(err.value)


def test_missing_everywhere_is_a_one_line_error(places: tuple[Path, Path]) -> None:
    packaged, root = places
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    with pytest.raises(HeadAtlasError, match="'mkdocs.yml' not found") as err:
        resource_path("mkdocs.yml")
    assert str(err.value).startswith(f"{packaged / 'mkdocs.yml'}: ")
