"""A wheel install renders the site from outside the repository.

templates/ and mkdocs.yml live at the repository root; the wheel must carry copies (setup.py's
build_py) and the static assets (package data), or ``headatlas render`` breaks once installed.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "results"
pytestmark = pytest.mark.slow


def _untracked() -> set[str] | None:
    """Files git would pick up as new (not ignored), or None outside a git checkout."""
    if shutil.which("git") is None:
        return None
    done = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                           "--untracked-files=all"], capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return {line for line in done.stdout.splitlines() if line.startswith("??")}


def _venv_seeing_this_environment(folder: Path) -> Path:
    """A fresh venv (no pip) whose sys.path ends with this interpreter's site-packages.

    Not ``--system-site-packages``: when the tests themselves run in a venv, that option would
    expose the base interpreter's packages instead of this environment's. The venv's own
    site-packages still comes first, so the installed wheel shadows any other headatlas.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; "
                              "print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    lines = [f"import site; site.addsitedir({p!r})" for p in site.getsitepackages()]
    (Path(purelib) / "_outer_environment.pth").write_text("\n".join(lines) + "\n",
                                                         encoding="utf-8")
    return python


def test_a_wheel_install_renders_the_site_outside_the_repository(tmp_path: Path) -> None:
    untracked_before = _untracked()
    # a module an earlier build left in build/ (deleted since from generator/) must not ship
    stale = REPO / "build" / "lib" / "generator" / "stale_module_of_an_earlier_build.py"
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("STALE = True\n", encoding="utf-8")
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", "-w", str(dist), str(REPO)], check=True, cwd=REPO)
    if untracked_before is not None:  # build/ and *.egg-info are ignored by git
        assert _untracked() == untracked_before
    (wheel,) = dist.glob("headatlas-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert not stale.exists()
    assert "generator/stale_module_of_an_earlier_build.py" not in names
    assert "generator/_resources/mkdocs.yml" in names

    # Without PYTHONPATH (a checkout's generator/ and *.egg-info) in any step from here on.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    venv = tmp_path / "venv"
    python = _venv_seeing_this_environment(venv)
    # --force-reinstall: the environment the venv sees may hold headatlas 0.1.0 already (an
    # editable install), which pip would otherwise accept as the same version.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", "--no-index", "--force-reinstall", str(wheel)], check=True,
                   env=env)

    work = tmp_path / "elsewhere"  # cwd: nothing named generator/, templates/ or mkdocs.yml
    work.mkdir()
    where = subprocess.run([str(python), "-c", "import generator; print(generator.__file__)"],
                           check=True, capture_output=True, text=True, cwd=work, env=env)
    imported = Path(where.stdout.strip()).resolve()
    assert imported.is_relative_to(venv.resolve()), imported

    out = tmp_path / "out"
    shutil.copytree(FIXTURE, out / "results")
    done = subprocess.run([str(venv / "bin" / "headatlas"), "render", "--out", str(out),
                           "--no-offline-site"], capture_output=True, text=True, cwd=work,
                          env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "site" / "index.html").is_file()
    head = (out / "site" / "heads" / "L1-H2.html").read_text(encoding="utf-8")
    assert "L1-H2" in head and 'src="../assets/headatlas/init.js"' in head
    assert (out / "site" / "assets" / "headatlas" / "headatlas.css").is_file()
