"""The offline site variant builds in a child process: its failures read like in-process ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import HeadAtlasError
from generator.render.mkdocs_build import MkDocsProcess, run_mkdocs, site_config


def _docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    return docs


def test_child_build_writes_the_site(tmp_path):
    config = site_config(["index.md"], _docs(tmp_path), tmp_path / "site", "offline")
    MkDocsProcess(config, tmp_path / "m.yml").wait()
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert '<h1 id="home">Home<' in page  # the page built from docs/index.md


def test_child_strict_warning_is_one_line_error_like_in_process(tmp_path):
    config = site_config(["index.md", "missing.md"], _docs(tmp_path), tmp_path / "site", "http")
    with pytest.raises(HeadAtlasError) as in_process:
        run_mkdocs(config, tmp_path / "a.yml")
    with pytest.raises(HeadAtlasError) as child:
        MkDocsProcess(config, tmp_path / "b.yml").wait()
    message = str(child.value)
    assert "missing.md" in message and "\n" not in message
    assert message.startswith(str(tmp_path / "b.yml"))
    assert "missing.md" in str(in_process.value)


def test_stop_kills_a_running_build(tmp_path):
    config = site_config(["index.md"], _docs(tmp_path), tmp_path / "site", "http")
    child = MkDocsProcess(config, tmp_path / "m.yml")
    child.stop()  # at once: mkdocs needs far longer than this to import and build
    assert child.proc.returncode < 0  # ended by a signal and reaped, not waited for
    assert not (tmp_path / "site" / "index.html").exists()
