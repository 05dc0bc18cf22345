"""Publishing to a gh-pages branch, against a local bare repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from generator.errors import HeadAtlasError
from generator.render.deploy import deploy_site

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _git(bare: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(bare), *args], capture_output=True,
                          text=True, check=True).stdout


def test_deploy_pushes_the_site_and_keeps_history(tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    site = tmp_path / "site"
    (site / "heads").mkdir(parents=True)
    (site / "index.html").write_text("<p>one</p>", encoding="utf-8")
    (site / "heads" / "L0-H0.html").write_text("<p>head</p>", encoding="utf-8")
    first = deploy_site(site, str(bare))
    files = set(_git(bare, "ls-tree", "-r", "--name-only", "gh-pages").split())
    assert files == {".nojekyll", "index.html", "heads/L0-H0.html"}
    (site / "heads" / "L0-H0.html").unlink()
    (site / "index.html").write_text("<p>two</p>", encoding="utf-8")
    second = deploy_site(site, str(bare))
    assert second != first
    assert _git(bare, "show", "gh-pages:index.html") == "<p>two</p>"
    assert set(_git(bare, "ls-tree", "-r", "--name-only", "gh-pages").split()) == {
        ".nojekyll", "index.html"}
    assert _git(bare, "rev-list", "--count", "gh-pages").strip() == "2"


def test_deploy_without_a_site_or_remote_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(HeadAtlasError, match="no built site"):
        deploy_site(tmp_path / "site", str(tmp_path / "remote.git"))
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("x", encoding="utf-8")
    with pytest.raises(HeadAtlasError, match="cannot reach the remote"):
        deploy_site(site, str(tmp_path / "missing.git"))
