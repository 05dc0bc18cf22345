"""The compact text form of an attention map in results/examples.json (no torch needed to read).

A map is one string: rows joined by ``;``, values in a row joined by a space, each value the
weight in thousandths (``round(1000 * a)``, i.e. rounded to 3 decimals).
"""

from __future__ import annotations

from collections.abc import Sequence

SCALE = 1000


def encode_rows(rows: Sequence[Sequence[int]]) -> str:
    """Rows of weights already in thousandths -> the map string."""
    return ";".join(" ".join(str(int(v)) for v in row) for row in rows)


def decode_map(encoded: str) -> list[list[float]]:
    """The map string -> rows of weights (floats)."""
    return [[int(v) / SCALE for v in row.split(" ")] for row in encoded.split(";")]
