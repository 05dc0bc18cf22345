"""``headatlas merge``: find the shards' state files, check they belong together, read them.

Every shard of one build writes ``shard-K-of-W.json`` (+ ``.safetensors``); the merge needs all
``W`` of them, from the same model fingerprint, corpus, seed, settings and library versions. The
first that is missing or differs is named in a one-line error (exit 2)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from generator.errors import HeadAtlasError
from generator.states import read_state_meta, read_state_value

NAME = re.compile(r"shard-(\d+)-of-(\d+)\.json")
CHECKED = (("model", "model fingerprint"), ("corpus", "corpus (segments)"), ("seed", "seed"),
           ("settings", "settings"), ("versions", "library versions"))


def find_state_files(folders: Sequence[Path]) -> list[Path]:
    """Every ``shard-K-of-W.json`` in ``folders`` (a folder or a file each)."""
    found: list[Path] = []
    for folder in folders:
        if folder.is_file():
            found.append(folder)
        elif folder.is_dir():
            found += sorted(p for p in folder.iterdir() if NAME.fullmatch(p.name))
        else:
            raise HeadAtlasError("no such folder", path=folder)
    if not found:
        raise HeadAtlasError("no shard-K-of-W.json state files in "
                             + ", ".join(str(f) for f in folders))
    return found


def _difference(a: Any, b: Any) -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return f" ({key}: {b.get(key)!r}, not {a.get(key)!r})"
    return ""


def read_shards(folders: Sequence[Path]) -> list[dict[str, Any]]:
    """The meta and states of shards 0..W-1 in order, each with its ``path``; checked."""
    metas: dict[int, dict[str, Any]] = {}
    count = None
    for path in find_state_files(folders):
        meta = read_state_meta(path)
        k, w = meta.get("shard", [None, None])
        if count is None:
            count = w
        if w != count:
            raise HeadAtlasError(f"shard {k} of {w}, but other state files are of {count} "
                                 "shards", path=path)
        if k in metas:
            raise HeadAtlasError(f"shard {k} of {w} twice (also {metas[k]['path']})", path=path)
        metas[k] = {**meta, "path": str(path)}
    assert count is not None
    for k in range(count):
        if k not in metas:
            raise HeadAtlasError(f"shard-{k}-of-{count}.json missing: all {count} shards are "
                                 "needed")
    first = metas[0]
    for k in range(1, count):
        meta = metas[k]
        for key, what in CHECKED:
            if meta.get(key) != first.get(key):
                raise HeadAtlasError(f"{what} differs from {Path(first['path']).name}"
                                     f"{_difference(first.get(key), meta.get(key))}",
                                     path=meta["path"])
    shards = []
    for k in range(count):
        meta = metas[k]
        shards.append({**meta, "streams": read_state_value(Path(meta["path"]), meta)})
    return shards
