"""``headatlas cache``: list or clear the attention and text caches of a build's output folder.

A first default build no longer writes gigabytes unasked (``cache_max_gb``, issue 20), but a
user who asked for a large cache needs to see it and remove it without hunting for hidden
folders.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Annotated

import typer

from generator.errors import HeadAtlasError

ACTIONS = ("list", "clear")


def cache(
    action: Annotated[str, typer.Argument(help="list (the default) or clear.")] = "list",
    key: Annotated[str | None, typer.Argument(
        help="clear: only this attention entry (its key as listed) [all].")] = None,
    out: Annotated[Path, typer.Option(help="Output folder of a build [.].")] = Path("."),
    cache_dir: Annotated[Path | None, typer.Option(
        help="Cache folder, when the build was given one [OUT/.headatlas-cache].")] = None,
) -> None:
    """List the cached attention (key, stream, model, segments, size, date) or clear it."""
    root = cache_dir if cache_dir is not None else out / ".headatlas-cache"
    if action not in ACTIONS:
        raise HeadAtlasError(f"unknown cache action {action!r}: use list or clear")
    if action == "list":
        if key is not None:
            raise HeadAtlasError("headatlas cache list takes no key")
        for line in list_lines(root):
            print(line)  # stdout: a listing to read or pipe
        return
    for line in clear(root, key):
        print(line)


def list_lines(root: Path) -> list[str]:
    """The listing: one line per attention entry, then the text cache and the total."""
    from generator.model.cache import list_entries

    entries = list_entries(root / "attention")
    text = folder_bytes(root / "text")
    if not entries and not text:
        return [f"no cache in {root}"]
    lines = [f"cache {root}:"]
    if entries:
        lines.append(f"{'key':<24}  {'stream':<10} {'segments':>8} {'size':>10}  "
                     f"{'written':<16}  model")
    for e in entries:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.written))
        segments = "?" if e.segments is None else str(e.segments)
        lines.append(f"{e.key:<24}  {e.stream:<10} {segments:>8} {human(e.bytes):>10}  "
                     f"{when:<16}  {e.model}")
    if text:
        lines.append(f"text cache (plain text, parses): {human(text)}")
    total = sum(e.bytes for e in entries) + text
    lines.append(f"total {human(total)} in {len(entries)} attention entries"
                 + (" and the text cache" if text else ""))
    return lines


def clear(root: Path, key: str | None) -> list[str]:
    """Remove every cache under ``root`` (``key`` None) or one attention entry."""
    from generator.model.cache import list_entries

    if key is None:
        if not root.is_dir():
            return [f"no cache in {root}"]
        size = folder_bytes(root)
        for part in ("attention", "text"):
            shutil.rmtree(root / part, ignore_errors=True)
        if root.is_dir() and not any(root.iterdir()):
            root.rmdir()
        return [f"removed {human(size)} from {root}"]
    matches = [e for e in list_entries(root / "attention") if e.key.startswith(key)]
    if not matches:
        raise HeadAtlasError(f"no attention cache entry {key!r} in {root / 'attention'} "
                             "(headatlas cache lists them)")
    if len(matches) > 1:
        raise HeadAtlasError(f"{key!r} names {len(matches)} attention cache entries; give more "
                             "of the key")
    shutil.rmtree(matches[0].path)
    return [f"removed {matches[0].key} ({matches[0].stream}, {human(matches[0].bytes)})"]


def folder_bytes(path: Path) -> int:
    """Bytes of every file under ``path`` (0 when it does not exist)."""
    if not path.is_dir():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def human(size: int) -> str:
    """1.23 GB, 45.6 MB, 789 kB, 12 B."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.{2 if unit == 'GB' else 1 if unit == 'MB' else 0}f} {unit}"
    return f"{size} B"
