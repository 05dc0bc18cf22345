"""Replace a folder by a freshly built one so that readers see the old one or the new one.

A build writes into ``<target>.new-<pid>``; ``swap_in`` renames the old folder aside, the new one
into place, and only then deletes the old one. If a build dies between the two renames,
``recover`` (called at the start of the next build) puts the old folder back.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def staging_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.new-{os.getpid()}")


def _old_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.old")


def recover(target: Path) -> None:
    """Undo a swap interrupted between its renames, and remove stale staging folders."""
    old = _old_path(target)
    if old.exists():
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(old, target)
    for stale in target.parent.glob(f".{target.name}.new-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and alive(int(pid)):
            continue
        shutil.rmtree(stale, ignore_errors=True)


def swap_in(staging: Path, target: Path) -> None:
    """Make ``staging`` the new ``target``; the previous ``target`` is removed afterwards."""
    old = _old_path(target)
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def alive(pid: int) -> bool:
    """Whether a process with this id is running (for stale temporary folders)."""
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
