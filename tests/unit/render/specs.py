"""Test helper: the expression strings of a Vega-Lite spec (where corpus text must never go)."""

from __future__ import annotations

from typing import Any

EXPRESSION_KEYS = {"calculate", "expr", "labelExpr", "filter", "test", "signal"}


def expressions(node: Any) -> list[str]:
    """Every string under an expression key anywhere in ``node``."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in EXPRESSION_KEYS and isinstance(value, str):
                found.append(value)
            found += expressions(value)
    elif isinstance(node, list):
        for value in node:
            found += expressions(value)
    return found
