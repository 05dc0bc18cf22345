"""Corpus text must show as typed in Markdown/HTML and never end a <script>."""

from __future__ import annotations

import html
import json
import re

import markdown
import pytest

from generator.render.escape import script_json, text

HOSTILE = [
    "</script><script>alert(1)</script>",
    "<b>bold</b> & <i>x</i>",
    "*not italic* _nor this_ **or this**",
    "[a link](http://evil.example) ![img](x.png)",
    "| a | b |",
    "# heading",
    "`code` ~~strike~~ {: .cls}",
    '{"signal": "datum.x"} ${expr}',
    "&amp; &lt; literally",
    "line\nbreak",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_text_renders_as_literal_text_in_markdown(raw: str) -> None:
    rendered = markdown.markdown(f"before {text(raw)} after", extensions=["tables"])
    assert rendered.startswith("<p>") and rendered.endswith("</p>")
    inner = rendered[len("<p>"):-len("</p>")]
    assert "<" not in inner  # no element came out of the text
    assert html.unescape(inner) == f"before {raw.replace(chr(10), ' ')} after"


@pytest.mark.parametrize("raw", HOSTILE)
def test_text_in_a_table_cell_stays_one_cell(raw: str) -> None:
    rendered = markdown.markdown(f"| a | b |\n|---|---|\n| {text(raw)} | 2 |\n",
                                 extensions=["tables"])
    cells = re.findall(r"<td>(.*?)</td>", rendered, re.S)
    assert len(cells) == 2 and html.unescape(cells[0]) == raw.replace("\n", " ")


def test_script_json_cannot_close_a_script_and_round_trips() -> None:
    value = {"t": HOSTILE, "n": [1, 2.5], "z": "\u2028"}
    encoded = script_json(value)
    assert "<" not in encoded and ">" not in encoded and "&" not in encoded
    assert "\u2028" not in encoded
    assert json.loads(encoded) == value


def test_script_json_is_sorted_and_compact() -> None:
    assert script_json({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'
