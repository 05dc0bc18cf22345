"""The identity of a model for the attention cache key: a full sha256 of every file it loads from.

A local model folder is fingerprinted by the content of every file at its top (weights, config,
tokenizer files, remote code: what ``from_pretrained`` reads from a folder; dotfiles and
subfolders such as sentence-transformers' ``1_Pooling/`` are left out), so a fine-tuned
checkpoint saved over the same file with the same size is a new model.

Hashing the weights costs 0.06-0.25 s per 100 MB (measured on the default model), so each file's
hash is remembered in a small per-user JSON file (``$XDG_CACHE_HOME/headatlas/weight-hashes.json``,
by default ``~/.cache/headatlas/``): per user rather than per build, because a hash describes a
file on this machine, not a build (every output folder of the same model shares it), and because
the fingerprint is made even by a build with ``--no-cache``, which has no cache folder. An entry is
trusted only while the file's size, mtime, ctime, inode and device are all unchanged: the ctime is
set by the kernel on every write and cannot be set back by a user, so a rewrite that keeps the size
and restores the mtime (``os.utime``) is still hashed again. A hash is not remembered while the
file's ctime is less than ``RACY_SECONDS`` old (a second write within the same timestamp tick could
keep the ctime), nor when the file changed while it was read. The file is written atomically
(temporary file + ``os.replace``); an unreadable or corrupt one is ignored and rewritten, and one
that cannot be written is skipped: the hash cache only ever saves time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.user_cache import user_cache_root

HASH_CACHE_FORMAT = 1
RACY_SECONDS = 2.0
"""A file whose ctime is younger than this is hashed but its hash is not remembered."""


def hash_cache_path() -> Path:
    """``weight-hashes.json`` in the per-user cache folder (``user_cache_root``)."""
    return user_cache_root() / "weight-hashes.json"


def sha256_file(path: Path) -> str:
    """The sha256 of a file's whole content, streamed in blocks."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def model_files(folder: Path) -> list[Path]:
    """The files of a model folder that its loader may read: every regular file at the top that
    is not a dotfile, sorted by name."""
    return sorted(f for f in folder.iterdir() if not f.name.startswith(".") and f.is_file())


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


def _read(path: Path) -> dict[str, Any]:
    """The remembered hashes by real path; an unreadable or malformed file gives none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != HASH_CACHE_FORMAT:
        return {}
    files = data.get("files")
    return dict(files) if isinstance(files, dict) else {}


def _remembered(entry: Any, stamp: list[int]) -> str | None:
    if not isinstance(entry, dict) or entry.get("stamp") != stamp:
        return None
    digest = entry.get("sha256")
    if isinstance(digest, str) and len(digest) == 64:
        return digest
    return None


def _still_valid(name: str, entry: Any) -> bool:
    """Whether an entry could still be used: its file exists with the recorded stamp."""
    try:
        return _remembered(entry, _stamp(os.stat(name))) is not None
    except OSError:
        return False


def _write(path: Path, files: dict[str, Any]) -> None:
    """Write atomically; any OSError leaves the hash cache as it was (it only saves time)."""
    tmp: str | None = None
    with contextlib.suppress(OSError):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"format": HASH_CACHE_FORMAT, "files": files}, fh, sort_keys=True)
            os.replace(tmp, path)
            tmp = None
        finally:
            if tmp is not None:
                os.unlink(tmp)


def file_hashes(files: Iterable[Path]) -> dict[Path, str]:
    """The sha256 of each file, from the per-user hash cache where the file is unchanged, else
    read in full (and remembered). Entries of files that changed or vanished are dropped."""
    cache_path = hash_cache_path()
    known = _read(cache_path)
    changed = False
    out: dict[Path, str] = {}
    now = time.time_ns()
    for f in files:
        name = os.path.realpath(f)
        stamp = _stamp(os.stat(name))
        digest = _remembered(known.get(name), stamp)
        if digest is None:
            digest = sha256_file(Path(name))
            after = _stamp(os.stat(name))
            if after == stamp and now - stamp[2] >= RACY_SECONDS * 1e9:
                known[name] = {"stamp": stamp, "sha256": digest}
                changed = True
        out[f] = digest
    if changed:
        _write(cache_path, {k: v for k, v in known.items() if _still_valid(k, v)})
    return out


def folder_digest(folder: Path) -> str:
    """sha256 over the name and content hash of each of ``model_files(folder)``."""
    h = hashlib.sha256()
    for f, digest in file_hashes(model_files(folder)).items():
        h.update(f"{f.name}\0{digest}\n".encode())
    return h.hexdigest()
