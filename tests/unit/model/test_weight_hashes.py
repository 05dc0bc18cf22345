"""The per-user hash cache of model files: where it lives, what it trusts, and that a broken one
costs a re-hash, never a crash."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from generator.model import fingerprint as fp


@pytest.fixture()
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(fp, "RACY_SECONDS", 0.0)
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "a.bin").write_bytes(b"weights" * 1000)
    (folder / "b.json").write_text('{"x": 1}')
    return [folder / "a.bin", folder / "b.json"]


def expected(paths: list[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "xdg" / "headatlas" / "weight-hashes.json"


def test_hash_cache_path_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert fp.hash_cache_path() == tmp_path / "headatlas" / "weight-hashes.json"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for unset in ("relative/dir", ""):
        monkeypatch.setenv("XDG_CACHE_HOME", unset)
        assert fp.hash_cache_path() == tmp_path / "home" / ".cache" / "headatlas" / (
            "weight-hashes.json")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert fp.hash_cache_path() == tmp_path / "home" / ".cache" / "headatlas" / (
        "weight-hashes.json")


def test_hashes_are_remembered_and_written_atomically(files, tmp_path):
    assert fp.file_hashes(files) == expected(files)
    stored = json.loads(cache_file(tmp_path).read_text())
    assert stored["format"] == fp.HASH_CACHE_FORMAT
    assert {Path(k): v["sha256"] for k, v in stored["files"].items()} == {
        Path(os.path.realpath(p)): h for p, h in expected(files).items()}
    assert [p.name for p in cache_file(tmp_path).parent.iterdir()] == ["weight-hashes.json"]


@pytest.mark.parametrize("content", [
    b"\xff\xfe not utf-8", b"{truncated", b"[]", b'{"format": 1, "files": []}',
    b'{"format": 99, "files": {}}', b'{"format": 1, "files": {"x": "y"}}',
])
def test_a_corrupt_hash_cache_is_ignored_and_rewritten(files, tmp_path, content):
    cache_file(tmp_path).parent.mkdir(parents=True)
    cache_file(tmp_path).write_bytes(content)
    assert fp.file_hashes(files) == expected(files)
    stored = json.loads(cache_file(tmp_path).read_text())["files"]
    assert sorted(stored) == sorted(os.path.realpath(p) for p in files)


def test_an_entry_with_a_bad_hash_is_hashed_again(files, tmp_path, monkeypatch):
    fp.file_hashes(files)
    stored = json.loads(cache_file(tmp_path).read_text())
    name = os.path.realpath(files[0])
    stored["files"][name]["sha256"] = "not a hash"
    cache_file(tmp_path).write_text(json.dumps(stored))
    hashed: list[Path] = []
    real = fp.sha256_file
    monkeypatch.setattr(fp, "sha256_file", lambda p: hashed.append(p) or real(p))
    assert fp.file_hashes(files) == expected(files)
    assert [str(p) for p in hashed] == [name]


def test_an_unwritable_hash_cache_is_skipped(files, tmp_path, monkeypatch):
    cache_file(tmp_path).mkdir(parents=True)  # a folder where the file should be
    assert fp.file_hashes(files) == expected(files)
    assert list(cache_file(tmp_path).parent.iterdir()) == [cache_file(tmp_path)]  # no temp
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert fp.file_hashes(files) == expected(files)


def test_entries_of_changed_or_vanished_files_are_dropped(files, tmp_path):
    fp.file_hashes(files)
    files[1].unlink()
    other = files[0].with_name("c.bin")
    other.write_bytes(b"other")
    fp.file_hashes([other])
    stored = json.loads(cache_file(tmp_path).read_text())["files"]
    assert sorted(stored) == sorted(os.path.realpath(p) for p in (files[0], other))


def test_model_files_are_the_top_level_files_but_dotfiles(tmp_path):
    for name in ("model.safetensors", "config.json", "vocab.txt", ".gitattributes"):
        (tmp_path / name).write_text(name)
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text("{}")
    assert [p.name for p in fp.model_files(tmp_path)] == ["config.json", "model.safetensors",
                                                          "vocab.txt"]
