"""The Pages workflow's run steps, run locally in sequence as the runner would (issue 22 item 3):
``headatlas init-pages`` writes it, the install step is left out (no network; a ``headatlas`` on
PATH runs this checkout), configure-pages' base URL is filled in, and the folder the upload
step publishes must then hold the site, built for that URL."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.cli.main import main
from generator.render.pages_workflow import WORKFLOW
from tests.helpers import SAMPLE_TEXT

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "results"
REPO_ROOT = Path(__file__).resolve().parents[3]
BASE_URL = "https://someone.github.io/atlas"


def run_workflow(repo: Path, tmp_path: Path) -> Path:
    """Run the build job's run: steps (but the install step) with bash in ``repo``; return the
    folder the upload step publishes."""
    doc = yaml.safe_load((repo / WORKFLOW).read_text())
    steps = doc["jobs"]["build"]["steps"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "headatlas"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m generator.cli.main "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(REPO_ROOT)}
    ran = []
    for step in steps:
        if "run" not in step or step.get("name") == "Install headatlas":
            continue
        script = step["run"].replace("${{ steps.pages.outputs.base_url }}", BASE_URL)
        assert "${{" not in script
        subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, check=True,
                       timeout=900)
        ran.append(script)
    assert len(ran) == 1
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-pages"))
    return repo / upload["with"]["path"]


def test_render_workflow_publishes_the_committed_results(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo / "report" / "results")
    assert main(["init-pages", "--repo", str(repo), "--from", "render", "--out", "report"]) == 0
    site = run_workflow(repo, tmp_path)
    assert site == repo / "report" / "site"
    index = (site / "index.html").read_text()
    assert f'<link rel="canonical" href="{BASE_URL}/index.html">' in index
    assert (site / "heads" / "L1-H2.html").is_file() and not (repo / "report" / "site-offline"
                                                               ).exists()


@pytest.mark.slow
def test_build_workflow_builds_from_the_committed_config(tmp_path: Path, tiny_bert) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(tiny_bert, repo / "models" / "tiny")
    (repo / "corpus.txt").write_text(SAMPLE_TEXT * 3)
    (repo / "headatlas.toml").write_text(
        'model = "models/tiny"\ntext = "corpus.txt"\nmax_len = 24\nmax_segments = 6\n'
        "gradient_segments = 0\nbatch_size = 3\n")
    assert main(["init-pages", "--repo", str(repo)]) == 0
    site = run_workflow(repo, tmp_path)
    index = (site / "index.html").read_text()
    assert f'<link rel="canonical" href="{BASE_URL}/index.html">' in index
    assert "<title>" in index and "headatlas: tiny" in index  # the folder's name, not its path
    assert str(repo) not in index
