#!/usr/bin/env python
"""Compare two results folders (OUT/results) file by file: byte-identical, or where they differ.

Used for "numbers change only where an issue says so": build the same corpus before and after a
change and run ``python scripts/compare_results.py BEFORE/results AFTER/results``. For every
JSON file it prints whether the bytes are identical; otherwise every changed path (keys joined
with ``/``), numbers with their largest absolute difference, and keys only on one side.
``--ignore KEY`` leaves out top-level keys (e.g. ``packages`` of the manifest). Exit status 0
when every file is byte-identical (after the ignored keys), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

MAX_LINES = 40


def _walk(a: Any, b: Any, path: str, out: list[str], numbers: dict[str, float]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            sub = f"{path}/{key}"
            if key not in a:
                out.append(f"  + {sub} (only after)")
            elif key not in b:
                out.append(f"  - {sub} (only before)")
            else:
                _walk(a[key], b[key], sub, out, numbers)
        return
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"  ~ {path}: length {len(a)} -> {len(b)}")
            return
        for k, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(x, y, f"{path}[]" if _numeric(x) else f"{path}[{k}]", out, numbers)
        return
    if _numeric(a) and _numeric(b):
        if a != b:
            numbers[path] = max(numbers.get(path, 0.0), abs(float(a) - float(b)))
        return
    if a != b:
        out.append(f"  ~ {path}: {json.dumps(a)[:60]} -> {json.dumps(b)[:60]}")


def _numeric(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def compare(before: Path, after: Path, ignore: set[str]) -> bool:
    names = sorted({p.name for p in before.glob("*.json")} | {p.name for p in after.glob("*.json")})
    same = True
    for name in names:
        a_path, b_path = before / name, after / name
        if not a_path.exists() or not b_path.exists():
            print(f"{name}: only {'after' if not a_path.exists() else 'before'}")
            same = False
            continue
        a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
        for key in ignore:
            a.pop(key, None)
            b.pop(key, None)
        if a_path.read_bytes() == b_path.read_bytes() or (ignore and a == b):
            print(f"{name}: identical")
            continue
        same = False
        lines: list[str] = []
        numbers: dict[str, float] = {}
        _walk(a, b, "", lines, numbers)
        print(f"{name}: differs ({len(numbers)} numeric paths, {len(lines)} other changes)")
        for path, diff in sorted(numbers.items(), key=lambda kv: -kv[1])[:MAX_LINES]:
            print(f"  # {path}: max |diff| {diff:.6g}")
        for line in lines[:MAX_LINES]:
            print(line)
        if len(lines) > MAX_LINES:
            print(f"  ... and {len(lines) - MAX_LINES} more")
    return same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--ignore", action="append", default=[],
                        help="top-level key to leave out (repeatable)")
    args = parser.parse_args()
    return 0 if compare(args.before, args.after, set(args.ignore)) else 1


if __name__ == "__main__":
    sys.exit(main())
