"""Text from the corpus goes into Markdown, HTML and <script> blocks: make it inert everywhere.

``text`` is for prose and table cells: HTML special characters and every character that means
something in Markdown become numeric character references, which Markdown passes through and the
browser shows as the literal character. ``script_json`` is JSON safe inside ``<script>``.
"""

from __future__ import annotations

import json
from typing import Any

_MARKDOWN = "\\`*_{}[]()#+-.!|~<>&\"':$=^"
_TABLE = {ord(c): f"&#{ord(c)};" for c in _MARKDOWN}
_TABLE.update({ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})


def text(value: object) -> str:
    """Escape any text for Markdown and HTML: it will show as typed, never as markup."""
    return str(value).translate(_TABLE)


def script_json(value: Any) -> str:
    """Compact, sorted JSON that cannot close a <script> element or open a comment."""
    raw = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return (raw.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
