"""Replace folders of OUT by freshly built ones, all of them together: a build killed at any
point (SIGKILL, Ctrl-C) leaves every previous folder, or (killed during the renames themselves)
a swap that the next build or render completes with every new one. One mechanism for the results
and the site (used by ``pipeline.write_results`` and ``render.site.render_site``).

A build makes its folders in staging folders of its own, named after its process id
(``OUT/.results.new-PID``, ``OUT/.site-build-PID``: ``stage``), and ``commit`` swaps them in:

1. it writes the journal ``OUT/.swap-PID`` (which staged folder replaces which target): from
   then on the swap is as good as done;
2. it renames each target aside to ``OUT/.<target>.old-PID`` and its staged folder into place;
3. it deletes the old folders, then the journal.

``recover`` (at the start of the next build or render) finishes a swap whose process died after
writing its journal, and removes the staging folders of builds that are no longer running. A
Ctrl-C while the folders are being renamed (milliseconds) comes too late to stop the build: it is
ignored until they are all in place.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

STAGING = ("results.new", "site-build")
"""The staging folders builds make in OUT (``.<name>-PID``): ``recover`` sweeps all of them."""

JOURNAL = "swap"

_ours: set[Path] = set()
"""Staging folders this process made and still uses: kept by the sweep even though a dead
build may have had the same process id (process ids are reused, e.g. in containers)."""


def stage(parent: Path, name: str) -> Path:
    """A new empty folder ``parent/.<name>-<pid>`` for this build to write in."""
    if name not in STAGING:
        raise ValueError(f"unknown staging folder {name!r}: add it to swap.STAGING")
    path = (parent / f".{name}-{os.getpid()}").resolve()
    shutil.rmtree(path, ignore_errors=True)  # a dead build's with the same process id
    path.mkdir(parents=True)
    _ours.add(path)
    return path


def discard(staging: Path) -> None:
    """Remove a staging folder of this build (failed, or swapped in and emptied)."""
    staging = staging.resolve()
    shutil.rmtree(staging, ignore_errors=True)
    _ours.discard(staging)


def commit(swaps: Sequence[tuple[Path | None, Path]]) -> None:
    """Put each staged folder in place of its target (``None``: remove the target), all or none.

    Every target must lie in the same folder, and every staged folder inside it (renames do not
    cross file systems)."""
    if not swaps:
        return
    parent = swaps[0][1].resolve().parent
    entries: list[list[str | None]] = []
    for staged, target in swaps:
        if target.resolve().parent != parent:
            raise ValueError(f"{target} is not in {parent}")
        if staged is not None and not staged.resolve().is_relative_to(parent):
            raise ValueError(f"{staged} is not inside {parent}")
        entries.append([None if staged is None else str(staged.resolve().relative_to(parent)),
                        target.name])
    journal = parent / f".{JOURNAL}-{os.getpid()}"
    with _interrupts_deferred():
        # Died while writing it: unreadable, so recover knows nothing was renamed yet.
        journal.write_text(json.dumps({"swaps": entries}), encoding="utf-8")
        _rename(journal, entries)
    _ours.difference_update(staged.resolve() for staged, _ in swaps if staged is not None)
    _finish(journal, entries)


def recover(parent: Path) -> None:
    """Finish the swaps of builds that died in the middle of one, and remove the staging folders
    of builds that are no longer running (or were this process's id before it)."""
    if not parent.is_dir():
        return
    for journal in parent.glob(f".{JOURNAL}-*"):
        if _pid(journal) is not None and journal.is_file() and not _running(journal):
            try:
                entries = json.loads(journal.read_text(encoding="utf-8"))["swaps"]
            except (OSError, ValueError, KeyError, TypeError):
                entries = []  # died while writing it, before renaming anything
            _rename(journal, entries)
            _finish(journal, entries)
    for name in STAGING:
        remove_dead(parent, f".{name}-*", keep=_ours)


def remove_dead(folder: Path, pattern: str, keep: Iterable[Path] = ()) -> None:
    """Remove what matches ``pattern`` (a glob ending ``-*``, the ``*`` being the process id of
    its writer) in ``folder``, unless its writer is another running process or it is in
    ``keep``. This process's own id counts as dead: a build that died earlier may have had it.
    Names not ending in digits were not written by a build and are left alone."""
    kept = set(keep)
    for path in folder.glob(pattern):
        if _pid(path) is None or path.resolve() in kept or _running(path):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def alive(pid: int) -> bool:
    """Whether a process with this id is running (for stale temporary folders)."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _pid(path: Path) -> int | None:
    """The process id that ends a name ``<name>-<pid>`` (None: not a name of ours)."""
    pid = path.name.rsplit("-", 1)[-1]
    return int(pid) if pid.isdigit() else None


def _running(path: Path) -> bool:
    """Whether the writer of ``<name>-<pid>`` is another process that is still running."""
    pid = _pid(path)
    return pid is not None and pid != os.getpid() and alive(pid)


def _old(target: Path, journal: Path) -> Path:
    return target.with_name(f".{target.name}.old-{_pid(journal)}")


def _rename(journal: Path, entries: list[list[str | None]]) -> None:
    """Step 2, from wherever a dead process left it: every staged folder still there replaces
    its target; a target whose staged folder vanished without arriving gets its old one back."""
    parent = journal.parent
    for staged_name, name in entries:
        target = parent / str(name)
        old = _old(target, journal)
        staged = None if staged_name is None else parent / staged_name
        if staged is None or staged.exists():
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
                os.replace(target, old)
            if staged is not None:
                os.replace(staged, target)
        elif not target.exists() and old.exists():
            os.replace(old, target)


def _finish(journal: Path, entries: list[list[str | None]]) -> None:
    """Step 3: delete the old folders, then the journal (last: it finds them)."""
    for _, name in entries:
        shutil.rmtree(_old(journal.parent / str(name), journal), ignore_errors=True)
    journal.unlink(missing_ok=True)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Ctrl-C is ignored inside the block, so the renames never stop half-way (only the main
    thread receives KeyboardInterrupt, and only it may change the handler)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)
