"""On-disk cache of extracted attention, so re-rendering or a new analysis skips the model.

Layout: ``ROOT/<key>/batch-00000.safetensors ...`` plus ``meta.json`` (the number of batches,
and for ``headatlas cache``: the stream, the model, the segments, the bytes and when it was
written). A cache entry is written into ``ROOT/<key>.partial-<pid>`` and renamed into place only
once complete, so a killed build never leaves a half-written entry that a later run could trust.
Stale partial folders are removed.

A build writes new entries only within ``cache_max_gb`` (1 GB by default, for the whole build:
``CacheBudget``); entries already complete are read whatever their size.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from generator.model.batch import AttentionBatch
from generator.swap import remove_dead

CACHE_FORMAT = 3
"""Part of every key: bump it when what an entry holds, or how it is made, changes (2: the model
fingerprint hashes whole files, and the key holds the library and headatlas versions; 3: a batch
may hold ``value_norms``, the norm-based attention's, when the key says ``norms``)."""
KEEP_ENTRIES = 6
"""Complete entries kept (the most recently used): at least every cached stream of one build (a
decoder's general, coref, syntax, synthetic and no-BOS streams are five), so that a rebuild
reads all of them instead of evicting each entry just before it is needed."""


def attention_bytes(plan: list[list[int]], lengths: list[int], maps: int,
                    norms: bool = False) -> int:
    """Bytes of the tensors the batches of ``plan`` hold (each padded to its longest segment;
    ``maps`` = layers x heads): what a cache entry of them takes on disk. Float32 attention
    (B x maps x N x N) is nearly all of it; beside it ``value_norms`` (B x maps x N float32, with
    ``norms``), the int64 ``input_ids`` and ``word_ids``, the int8 ``roles`` (B x N each) and
    the int64 ``lengths`` and ``index`` (B each). ``plan`` must be the extraction's own
    (``plan_batches`` with the same ``block``): the padding depends on how segments are grouped."""
    total = 0
    for batch in plan:
        b, n = len(batch), max(lengths[i] for i in batch)
        total += b * maps * n * n * 4 + (b * maps * n * 4 if norms else 0)
        total += b * n * (8 + 8 + 1) + b * 2 * 8
    return total


def numeric_versions() -> dict[str, str]:
    """The versions of what turns the same weights and segments into attention: torch (the
    kernels), transformers (the attention implementation), tokenizers (the ids and special
    tokens the roles come from) and headatlas itself (the roles stored with each batch)."""
    import tokenizers
    import transformers

    from generator import __version__

    return {"torch": str(torch.__version__), "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__, "headatlas": __version__}


def cache_key(parts: dict[str, Any]) -> str:
    """A short hash of ``parts`` and CACHE_FORMAT: the name of a cache entry."""
    blob = json.dumps({"format": CACHE_FORMAT, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


@dataclass
class CacheBudget:
    """The bytes of new attention one build may write to the cache (``cache_max_gb``), shared by
    its streams in the order they run, and what each stream did: what ``headatlas build`` reports
    at the end."""

    limit: float
    """Bytes."""
    written: list[tuple[str, int]] = field(default_factory=list)
    """(stream, bytes) of each entry this build writes."""
    read: list[tuple[str, int]] = field(default_factory=list)
    """(stream, bytes) of each complete entry it reads instead of running the model."""
    skipped: list[tuple[str, int]] = field(default_factory=list)
    """(stream, bytes) of each stream left uncached because the budget would be exceeded."""

    @property
    def used(self) -> int:
        return sum(size for _, size in self.written)

    def take(self, stream: str, size: int) -> bool:
        """Whether ``size`` more bytes fit; if so they are counted as written by ``stream``."""
        if self.used + size > self.limit:
            self.skipped.append((stream, size))
            return False
        self.written.append((stream, size))
        return True

    def summary(self, root: Path) -> str:
        """One line for the end of a build: what was written, read and left out, and where."""
        def part(entries: list[tuple[str, int]]) -> str:
            return ", ".join(f"{name} {size / 1e9:.2f} GB" for name, size in entries)
        said = []
        if self.written:
            said.append(f"wrote {part(self.written)} to {root}")
        if self.read:
            said.append(f"read {part(self.read)}")
        if self.skipped:
            said.append(f"not cached: {part(self.skipped)} (over cache_max_gb "
                        f"{self.limit / 1e9:g} for the build; a larger --cache-max-gb caches "
                        "them)")
        if not said:
            return "attention cache: nothing written"
        return "attention cache: " + "; ".join(said) + " (headatlas cache lists and clears it)"


class AttentionCache:
    def __init__(self, root: Path, key: str, info: dict[str, Any] | None = None) -> None:
        self.root = root
        self.key = key
        self.path = root / key
        self.info = info or {}
        """Stored in ``meta.json`` for ``headatlas cache``: stream, model, segments, bytes."""

    @property
    def complete(self) -> bool:
        return (self.path / "meta.json").is_file()

    def read(self) -> Iterator[AttentionBatch]:
        meta = json.loads((self.path / "meta.json").read_text())
        for k in range(meta["batches"]):
            yield AttentionBatch.from_tensors(load_file(self.path / f"batch-{k:05d}.safetensors"))
        os.utime(self.path)  # most recently used

    def num_batches(self) -> int:
        return int(json.loads((self.path / "meta.json").read_text())["batches"])

    def writer(self) -> CacheWriter:
        self.root.mkdir(parents=True, exist_ok=True)
        remove_dead(self.root, "*.partial-*")  # left by killed builds
        return CacheWriter(self)


class CacheWriter:
    """Writes batches on a background thread (overlapping the model's compute), then commits."""

    def __init__(self, cache: AttentionCache) -> None:
        self.cache = cache
        self.tmp = cache.root / f"{cache.key}.partial-{os.getpid()}"
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True)
        self.count = 0
        self._queue: queue.Queue[tuple[int, dict] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None:
                continue
            k, tensors = item
            try:
                save_file(tensors, self.tmp / f"batch-{k:05d}.safetensors")
            except BaseException as exc:  # reported on commit
                self._error = exc

    def add(self, batch: AttentionBatch) -> None:
        tensors = {k: v.contiguous() for k, v in batch.to("cpu").tensors().items()}
        self._queue.put((self.count, tensors))
        self.count += 1

    def commit(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            self.abort()
            raise OSError(f"writing the attention cache failed: {self._error}")
        meta = {**self.cache.info, "batches": self.count, "written": int(time.time())}
        (self.tmp / "meta.json").write_text(json.dumps(meta, sort_keys=True))
        shutil.rmtree(self.cache.path, ignore_errors=True)
        os.replace(self.tmp, self.cache.path)
        _prune(self.cache.root, keep=KEEP_ENTRIES)

    def abort(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _prune(root: Path, keep: int) -> None:
    """Keep the ``keep`` most recently used complete entries."""
    entries = [p for p in root.iterdir() if p.is_dir() and (p / "meta.json").is_file()]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for p in entries[keep:]:
        shutil.rmtree(p, ignore_errors=True)


@dataclass(frozen=True)
class CacheEntry:
    """One complete attention cache entry, as ``headatlas cache`` lists it."""

    key: str
    path: Path
    bytes: int
    """On disk (every file of the entry)."""
    stream: str
    model: str
    segments: int | None
    written: float
    """Seconds since the epoch (meta.json's ``written``, else the folder's mtime)."""


def list_entries(root: Path) -> list[CacheEntry]:
    """The complete entries under ``root`` (an attention cache folder), most recently used first.
    Entries written before ``meta.json`` held more than the batch count show ``?``."""
    if not root.is_dir():
        return []
    out = []
    for p in root.iterdir():
        meta_file = p / "meta.json"
        if not p.is_dir() or not meta_file.is_file():
            continue
        try:
            meta = json.loads(meta_file.read_text())
        except (OSError, ValueError):
            meta = {}
        size = sum(f.stat().st_size for f in p.iterdir() if f.is_file())
        out.append(CacheEntry(p.name, p, size, str(meta.get("stream", "?")),
                              str(meta.get("model", "?")), meta.get("segments"),
                              float(meta.get("written", p.stat().st_mtime))))
    out.sort(key=lambda e: e.path.stat().st_mtime, reverse=True)
    return out
