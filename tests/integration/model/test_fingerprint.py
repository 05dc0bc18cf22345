"""The model fingerprint (the attention cache key's "model" part) sees every byte of the weights.

A tiny model's weights file is padded with a 3 MiB tensor, so one weight can change in the
middle of the file, more than 1 MiB from either end, with the file size unchanged: what a
fine-tuned checkpoint saved over the same file looks like.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file
from transformers import AutoConfig

from generator.model.loading import _fingerprint
from tests.helpers import make_tiny_model

MIB = 1 << 20


@pytest.fixture()
def model(tmp_path):
    folder = make_tiny_model(tmp_path / "model")
    weights = folder / "model.safetensors"
    with safe_open(weights, "pt") as fh:
        metadata = fh.metadata()
    tensors = load_file(weights)
    tensors["pad.weight"] = torch.arange(3 * MIB // 4, dtype=torch.float32)
    save_file(tensors, weights, metadata=metadata)
    return folder, AutoConfig.from_pretrained(folder)


def fingerprint(folder: Path, config) -> str:
    return _fingerprint(folder, str(folder), config)


def rewrite_one_weight(weights: Path) -> None:
    """Save the weights again with one value in the middle of the file changed (same dtype,
    shape and names: same size); check that only bytes far from both ends differ."""
    before = weights.read_bytes()
    with safe_open(weights, "pt") as fh:
        metadata = fh.metadata()
    tensors = load_file(weights)
    pad = tensors["pad.weight"]
    pad[pad.numel() // 2] += 1.0
    save_file(tensors, weights, metadata=metadata)
    after = weights.read_bytes()
    assert len(after) == len(before) > 2 * MIB
    differ = np.flatnonzero(np.frombuffer(before, np.uint8) != np.frombuffer(after, np.uint8))
    assert len(differ) > 0
    assert differ.min() >= MIB and differ.max() < len(after) - MIB


def hash_cache() -> dict:
    path = Path(os.environ["XDG_CACHE_HOME"]) / "headatlas" / "weight-hashes.json"
    return json.loads(path.read_text())["files"]


@pytest.fixture()
def own_hash_cache(tmp_path, monkeypatch):
    """An empty hash cache for this test, and hashes remembered however young the file."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("generator.model.fingerprint.RACY_SECONDS", 0.0)


def test_a_same_size_change_in_the_middle_of_the_weights_changes_the_fingerprint(model):
    folder, config = model
    first = fingerprint(folder, config)
    rewrite_one_weight(folder / "model.safetensors")
    assert fingerprint(folder, config) != first


def test_a_rewrite_that_restores_size_and_mtime_is_hashed_again(model, own_hash_cache,
                                                                tmp_path, monkeypatch):
    folder, config = model
    weights = folder / "model.safetensors"
    first = fingerprint(folder, config)
    entry = hash_cache()[os.path.realpath(weights)]
    assert entry["sha256"] == hashlib.sha256(weights.read_bytes()).hexdigest()
    old = os.stat(weights)
    time.sleep(0.05)  # past the file system's timestamp tick, so the rewrite gets a new ctime
    rewrite_one_weight(weights)
    os.utime(weights, ns=(old.st_atime_ns, old.st_mtime_ns))
    new = os.stat(weights)
    assert (new.st_size, new.st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    second = fingerprint(folder, config)
    assert second != first
    assert hash_cache()[os.path.realpath(weights)]["sha256"] == hashlib.sha256(
        weights.read_bytes()).hexdigest()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty"))  # no hash remembered
    assert fingerprint(folder, config) == second


def test_the_second_fingerprint_of_unchanged_files_reads_the_hash_cache(model, own_hash_cache,
                                                                        monkeypatch):
    from generator.model import fingerprint as fp

    folder, config = model
    hashed: list[str] = []
    real = fp.sha256_file

    def counting(path: Path) -> str:
        hashed.append(Path(path).name)
        return real(path)

    monkeypatch.setattr(fp, "sha256_file", counting)
    first = fingerprint(folder, config)
    files = sorted(f.name for f in folder.iterdir() if f.is_file())
    assert "model.safetensors" in files and "config.json" in files
    assert sorted(hashed) == files
    assert fingerprint(folder, config) == first
    assert sorted(hashed) == files  # nothing read again

    monkeypatch.setattr(fp, "RACY_SECONDS", 1e9)  # every file counts as just written
    (Path(os.environ["XDG_CACHE_HOME"]) / "headatlas" / "weight-hashes.json").unlink()
    assert fingerprint(folder, config) == first
    assert fingerprint(folder, config) == first
    assert sorted(hashed) == sorted(files * 3)  # hashed on both calls, remembered by neither


def test_a_changed_tokenizer_file_changes_the_fingerprint(model):
    """The tokenizer sets the special tokens whose roles are cached with the attention."""
    folder, config = model
    first = fingerprint(folder, config)
    special = folder / "tokenizer_config.json"
    special.write_text(special.read_text().replace("[SEP]", "[SEP ]", 1))
    assert fingerprint(folder, config) != first
