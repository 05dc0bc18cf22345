"""``headatlas build`` on a tiny random model ends with the pages and the MkDocs site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.mapformat import decode_map

pytestmark = pytest.mark.slow

TEXT = """The cat saw the dog. The dog went to the city. John made a new book.
Mary said the king was old. The queen had a big house in London.

A man and a woman saw one tree. They went to Paris at night. The old car was small.
It was the first day of the year. We can see the water from the house.
"""


def test_build_writes_examples_and_the_site(tiny_bert: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    status = main(["build", "--model", str(tiny_bert), "--text", str(corpus), "--max-len", "16",
                   "--max-segments", "3", "--out", str(out), "--no-cache",
                   "--no-offline-site"])
    assert status == 0
    examples = json.loads((out / "results" / "examples.json").read_text(encoding="utf-8"))
    assert 1 <= len(examples["examples"]) <= 2
    first = examples["examples"][0]
    assert first["index"] == 0 and first["tokens"][0] == "[CLS]"
    assert len(first["maps"]) == 2 and len(first["maps"][0]) == 4  # 2 layers x 4 heads
    rows = decode_map(first["maps"][1][3])
    assert len(rows) == len(first["tokens"])
    for row in rows:  # every row, with its "not shown" column, still sums to 1 (+- rounding)
        assert abs(sum(row) - 1.0) <= 0.001 * len(row)
    assert (out / "site" / "index.html").is_file()
    assert (out / "site" / "heads" / "L1-H3.html").is_file()
    assert (out / "site_src" / "analyses" / "general.md").is_file()
