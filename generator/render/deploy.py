"""Publish a built site to a branch of a git remote (GitHub Pages serves the gh-pages branch).

A temporary repository takes the branch's current head (if any), replaces its files with the
site, adds ``.nojekyll`` and pushes one new commit, so the branch keeps its history.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from generator.errors import HeadAtlasError

IDENTITY = ["-c", "user.name=headatlas", "-c", "user.email=headatlas@localhost"]


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["git", *IDENTITY, *args], cwd=repo, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise HeadAtlasError(f"git {args[0]} failed: {result.stderr.strip() or result.stdout}",
                             path="--remote")
    return result


def deploy_site(site: Path, remote: str, branch: str = "gh-pages",
                message: str = "Publish the headatlas site") -> str:
    """Push the contents of ``site`` as a new commit on ``branch`` of ``remote``; return its id."""
    if not (site / "index.html").is_file():
        raise HeadAtlasError("no built site here: run 'headatlas build' or 'headatlas render'",
                             path=site)
    if shutil.which("git") is None:
        raise HeadAtlasError("git is not installed", path="--remote")
    with tempfile.TemporaryDirectory(prefix="headatlas-deploy-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        _git(repo, "init", "-q")
        fetched = _git(repo, "fetch", "-q", "--depth=1", remote, branch, check=False)
        if fetched.returncode == 0:
            _git(repo, "checkout", "-q", "-b", branch, "FETCH_HEAD")
            _git(repo, "rm", "-q", "-r", "--ignore-unmatch", ".")
        elif "couldn't find remote ref" in fetched.stderr:
            _git(repo, "checkout", "-q", "--orphan", branch)
        else:
            raise HeadAtlasError(f"cannot reach the remote: {fetched.stderr.strip()}",
                                 path=remote)
        shutil.copytree(site, repo, dirs_exist_ok=True)
        (repo / ".nojekyll").write_text("", encoding="utf-8")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "--allow-empty", "-m", message)
        _git(repo, "push", "-q", remote, f"{branch}:{branch}")
        return _git(repo, "rev-parse", "HEAD").stdout.strip()
