"""Killing a build mid-way (SIGKILL or Ctrl-C, during extraction, analysis or rendering) leaves
the previous site, results and cache intact; the next run finishes and reuses the cache."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import SAMPLE_TEXT

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def command(model, corpus, out, seed):
    return [sys.executable, "-m", "generator.cli.main", "build", "--model", str(model), "--text",
            str(corpus), "--out", str(out), "--max-len", "24", "--batch-size", "1", "--seed",
            str(seed), "--gradient-segments", "0", "--distance-rows", "60", "--no-site"]


@pytest.mark.slow
def test_sigkill_during_extraction(tiny_bert, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    corpus = tmp_path / "c.txt"
    corpus.write_text(SAMPLE_TEXT * 20)
    out = tmp_path / "out"
    subprocess.run(command(tiny_bert, corpus, out, 0), check=True, env=env, capture_output=True)
    results = {p.name: p.read_bytes() for p in (out / "results").iterdir()}
    cache = out / ".headatlas-cache" / "attention"
    complete_before = sorted(p.name for p in cache.iterdir())

    proc = subprocess.Popen(command(tiny_bert, corpus, out, 1), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(cache.glob("*.partial-*/batch-00003.safetensors")):
        assert proc.poll() is None, "the build ended before it could be interrupted"
        assert time.time() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    assert {p.name: p.read_bytes() for p in (out / "results").iterdir()} == results
    assert sorted(p.name for p in cache.iterdir() if "partial" not in p.name) == complete_before

    rerun = subprocess.run(command(tiny_bert, corpus, out, 1), env=env, capture_output=True,
                           text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert not list(cache.glob("*.partial-*"))
    after = {p.name for p in cache.iterdir()}
    assert all((cache / name / "meta.json").is_file() for name in after)
    assert set(complete_before) < after  # the interrupted stream's entry was completed
    again = subprocess.run(command(tiny_bert, corpus, out, 1), env=env, capture_output=True,
                           text=True)
    assert "(cached)" in again.stderr
    assert (out / "results" / "general.json").read_bytes() != results["general.json"]


# --- A previous complete build WITH the site, then a build killed during analysis or rendering.

def site_command(model, corpus, treebank, out, seed):
    return [sys.executable, "-m", "generator.cli.main", "build", "--model", str(model), "--text",
            str(corpus), "--treebank", str(treebank), "--out", str(out), "--max-len", "24",
            "--batch-size", "2", "--seed", str(seed), "--gradient-segments", "0",
            "--distance-rows", "60", "--no-offline-site"]


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def complete_entries(cache: Path) -> dict[str, int]:
    """Cache entries a build would trust (meta.json present), each checked to hold every batch
    its meta.json announces."""
    entries = {}
    for entry in sorted(p for p in cache.iterdir() if (p / "meta.json").is_file()):
        batches = json.loads((entry / "meta.json").read_text())["batches"]
        assert all((entry / f"batch-{k:05d}.safetensors").is_file() for k in range(batches))
        assert "partial" not in entry.name
        entries[entry.name] = batches
    return entries


@pytest.fixture(scope="module")
def site_build(tiny_bert, tmp_path_factory):
    """A complete previous build with the site (seed 0); tests copy it before killing a build."""
    root = tmp_path_factory.mktemp("site-build")
    corpus = root / "c.txt"
    corpus.write_text(SAMPLE_TEXT * 8)
    treebank = ROOT / "tests" / "fixtures" / "syntax_small.conllu"
    out = root / "out"
    done = subprocess.run(site_command(tiny_bert, corpus, treebank, out, 0), env=ENV,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (out / "site" / "index.html").is_file()
    return corpus, treebank, out


def killed_build(tiny_bert, site_build, tmp_path, ready, sig=signal.SIGKILL):
    """Copy the previous build, start a new one (seed 1), send ``sig`` once ``ready(out)``;
    check that the previous site, results and cache are intact; return (out, the process)."""
    corpus, treebank, previous = site_build
    out = tmp_path / "out"
    shutil.copytree(previous, out)
    before = {"site": tree_digest(out / "site"), "results": tree_digest(out / "results"),
              "site_src": tree_digest(out / "site_src")}
    cache = out / ".headatlas-cache" / "attention"
    entries_before = complete_entries(cache)
    proc = subprocess.Popen(site_command(tiny_bert, corpus, treebank, out, 1), env=ENV,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not ready(out):
        assert proc.poll() is None, "the build ended before it could be interrupted"
        assert time.time() < deadline
        time.sleep(0.02)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    after = {"site": tree_digest(out / "site"), "results": tree_digest(out / "results"),
             "site_src": tree_digest(out / "site_src")}
    assert after == before
    assert set(entries_before) <= set(complete_entries(cache))
    return out, proc


def rerun_uses_cache(tiny_bert, site_build, out):
    corpus, treebank, previous = site_build
    rerun = subprocess.run(site_command(tiny_bert, corpus, treebank, out, 1), env=ENV,
                           capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert "(cached)" in rerun.stderr
    assert (out / "results" / "general.json").read_bytes() != (
        previous / "results" / "general.json").read_bytes()  # the new seed's results
    assert tree_digest(out / "site") != tree_digest(previous / "site")
    assert not [p.name for p in out.iterdir() if ".new-" in p.name or "site-build" in p.name]
    assert not list((out / ".headatlas-cache" / "attention").glob("*.partial-*"))
    return rerun


def new_entry_committed(before: set[str]):
    """Ready once the killed build has committed its first new cache entry (the general
    stream): it is then extracting and analysing the syntax stream or post-processing."""
    def ready(out: Path) -> bool:
        cache = out / ".headatlas-cache" / "attention"
        return any((p / "meta.json").is_file() and p.name not in before
                   for p in cache.iterdir())
    return ready


def site_staging_started(out: Path) -> bool:
    """Ready once the site is being rendered (its staging folder holds pages)."""
    return any(any(work.glob("site_src/**/*.md")) for work in out.glob(".site-build-*"))


@pytest.mark.slow
def test_sigkill_during_analysis_keeps_site_and_results(tiny_bert, site_build, tmp_path):
    before = {p.name for p in (site_build[2] / ".headatlas-cache" / "attention").iterdir()}
    out, _ = killed_build(tiny_bert, site_build, tmp_path, new_entry_committed(before))
    rerun_uses_cache(tiny_bert, site_build, out)


@pytest.mark.slow
def test_sigkill_during_rendering_keeps_site_and_results(tiny_bert, site_build, tmp_path):
    out, _ = killed_build(tiny_bert, site_build, tmp_path, site_staging_started)
    rerun = rerun_uses_cache(tiny_bert, site_build, out)
    # Extraction had finished before the kill: every stream now comes from the cache.
    assert rerun.stderr.count("(cached)") >= 2


@pytest.mark.slow
def test_ctrl_c_during_rendering(tiny_bert, site_build, tmp_path):
    out, proc = killed_build(tiny_bert, site_build, tmp_path, site_staging_started,
                             sig=signal.SIGINT)
    err = proc.stderr.read()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        "headatlas: interrupted; the previous results and site are untouched")
    assert not [p.name for p in out.iterdir() if ".new-" in p.name or "site-build" in p.name]
    rerun_uses_cache(tiny_bert, site_build, out)
