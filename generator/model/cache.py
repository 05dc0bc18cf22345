"""On-disk cache of extracted attention, so re-rendering or a new analysis skips the model.

Layout: ``ROOT/<key>/batch-00000.safetensors ...`` plus ``meta.json``. A cache entry is written
into ``ROOT/<key>.partial-<pid>`` and renamed into place only once complete, so a killed build
never leaves a half-written entry that a later run could trust. Stale partial folders are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import threading
from collections.abc import Iterator
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


def attention_bytes(plan: list[list[int]], lengths: list[int], maps: int) -> int:
    """Bytes of float32 attention the batches of ``plan`` hold (each padded to its longest
    segment), ``maps`` = layers x heads: what a cache entry of them takes on disk."""
    return sum(len(batch) * maps * max(lengths[i] for i in batch) ** 2 * 4 for batch in plan)


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


class AttentionCache:
    def __init__(self, root: Path, key: str) -> None:
        self.root = root
        self.key = key
        self.path = root / key

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
        (self.tmp / "meta.json").write_text(json.dumps({"batches": self.count}))
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
