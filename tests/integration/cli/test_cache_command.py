"""``headatlas cache``: list and clear what builds cached; the build's cache budget."""

from __future__ import annotations

import json

from generator.cli.main import main
from tests.helpers import SAMPLE_TEXT


def build(model_dir, tmp_path, out, *extra):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(SAMPLE_TEXT * 3)
    return main(["build", "--model", str(model_dir), "--text", str(corpus), "--out", str(out),
                 "--max-len", "24", "--batch-size", "3", "--no-site",
                 "--gradient-segments", "0", *extra])


def entry_sizes(out):
    root = out / ".headatlas-cache" / "attention"
    return {p.name: sum(f.stat().st_size for f in p.iterdir())
            for p in root.iterdir() if (p / "meta.json").is_file()}


def test_build_reports_the_cache_and_cache_lists_then_clears_it(tiny_bert, tmp_path, capsys):
    out = tmp_path / "out"
    assert build(tiny_bert, tmp_path, out) == 0
    err = capsys.readouterr().err
    assert "attention cache: wrote general " in err
    sizes = entry_sizes(out)
    assert sizes  # general, and syntax on parser trees of the text
    metas = {k: json.loads((out / ".headatlas-cache" / "attention" / k / "meta.json")
                           .read_text()) for k in sizes}
    assert {m["stream"] for m in metas.values()} >= {"general"}
    assert all(m["model"] == tiny_bert.name for m in metas.values())  # its name, no path

    assert main(["cache", "--out", str(out)]) == 0
    listing = capsys.readouterr().out.splitlines()
    for key in sizes:
        row = next(line for line in listing if line.startswith(key))
        assert metas[key]["stream"] in row and row.split()[-1] == tiny_bert.name
        assert str(metas[key]["segments"]) in row.split()
    total = sum(sizes.values())
    assert any(line.startswith("total ") and f"in {len(sizes)} attention entries" in line
               for line in listing)

    general = next(k for k, m in metas.items() if m["stream"] == "general")
    assert main(["cache", "clear", general[:10], "--out", str(out)]) == 0
    assert set(entry_sizes(out)) == set(sizes) - {general}
    assert main(["cache", "clear", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "removed" in said and not (out / ".headatlas-cache").exists()
    assert total > 0
    assert main(["cache", "--out", str(out)]) == 0
    assert "no cache in" in capsys.readouterr().out


def test_cache_errors_are_one_line(tmp_path, capsys):
    assert main(["cache", "clear", "nokey", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("headatlas: error: no attention cache entry")
    assert main(["cache", "purge", "--out", str(tmp_path)]) == 2
    assert "unknown cache action 'purge'" in capsys.readouterr().err


def test_the_budget_covers_every_stream_and_entries_are_read_whatever_their_size(
        tiny_bert, tmp_path, capsys):
    out = tmp_path / "out"
    assert build(tiny_bert, tmp_path, out, "--cache-max-gb", "0") == 0
    err = capsys.readouterr().err
    assert "general: attention not cached (" in err and "> cache_max_gb 0)" in err
    assert not (out / ".headatlas-cache" / "attention").exists() or not entry_sizes(out)
    # a larger budget writes the entries; a later build under budget 0 reads them
    assert build(tiny_bert, tmp_path, out) == 0
    written = entry_sizes(out)
    capsys.readouterr()
    assert build(tiny_bert, tmp_path, out, "--cache-max-gb", "0") == 0
    err = capsys.readouterr().err
    assert "attention cache: read general " in err and "not cached" not in err
    assert entry_sizes(out) == written
