"""Killing a build mid-way (SIGKILL) leaves the previous results and cache intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import SAMPLE_TEXT

ROOT = Path(__file__).resolve().parents[2]


def command(model, corpus, out, seed):
    return [sys.executable, "-m", "generator.cli.main", "build", "--model", str(model), "--text",
            str(corpus), "--out", str(out), "--max-len", "24", "--batch-size", "1", "--seed",
            str(seed), "--no-site"]


@pytest.mark.slow
def test_sigkill_during_extraction(tiny_bert, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    corpus = tmp_path / "c.txt"
    corpus.write_text(SAMPLE_TEXT * 60)
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
