"""The whole site from the results fixture: MkDocs --strict, both variants, safe swaps, CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.errors import HeadAtlasError
from generator.render import site as site_module
from generator.render.export import export_charts
from generator.render.site import render_site

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "results"
pytestmark = pytest.mark.slow


@pytest.fixture
def out(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "results")
    return tmp_path


def test_site_builds_strictly_in_both_variants(out: Path) -> None:
    built = render_site(out)
    # home, 7 analyses (norms among them), 3 clusters, 2 layers, 6 heads, all heads, about
    assert built.pages == 21
    for folder in (out / "site", out / "site-offline"):
        assert (folder / "index.html").is_file()
        assert (folder / "all-heads.html").is_file()
        assert (folder / "data" / "all-heads.csv").is_file()
        assert (folder / "data" / "syntax.json").read_bytes() == \
            (FIXTURE / "syntax.json").read_bytes()
        assert (folder / "data" / "syntax.csv").is_file()
        assert (folder / "heads" / "L1-H2.html").is_file()
        assert (folder / "analyses" / "syntax.html").is_file()
        assert (folder / "assets" / "headatlas" / "vega-bundle.js").stat().st_size > 100_000
    head = (out / "site" / "heads" / "L0-H0.html").read_text(encoding="utf-8")
    assert head.count('class="ha-chart"') == 3  # profile, example, norm-based shares
    assert 'src="../assets/headatlas/init.js"' in head
    assert 'src="../assets/headatlas/table.js"' in head
    assert "fonts.googleapis" not in head
    offline = (out / "site-offline" / "heads" / "L0-H0.html").read_text(encoding="utf-8")
    assert "unpkg.com" not in offline and "iframe-worker-shim.js" in offline
    assert (out / "site-offline" / "search" / "search_index.js").is_file()
    assert (out / "mkdocs-site.yml").is_file() and (out / "mkdocs-site-offline.yml").is_file()
    assert not (out / "mkdocs.yml").exists()
    assert not list(out.glob(".site-build-*"))


def test_a_failed_build_keeps_the_previous_site(out: Path, monkeypatch) -> None:
    render_site(out, offline=False)
    before = (out / "site" / "index.html").read_text(encoding="utf-8")
    src_before = (out / "site_src" / "index.md").read_text(encoding="utf-8")

    def broken(config, path):
        raise HeadAtlasError("mkdocs build --strict: boom", path=path)

    monkeypatch.setattr(site_module, "run_mkdocs", broken)
    (out / "results" / "general.json").write_text(
        (out / "results" / "general.json").read_text(encoding="utf-8")
        .replace("tiny-fixture", "changed"), encoding="utf-8")
    with pytest.raises(HeadAtlasError, match="boom"):
        render_site(out, offline=False)
    assert (out / "site" / "index.html").read_text(encoding="utf-8") == before
    assert (out / "site_src" / "index.md").read_text(encoding="utf-8") == src_before
    assert not list(out.glob(".site-build-*"))


def test_render_command(out: Path, tmp_path: Path, capsys) -> None:
    assert main(["render", "--out", str(out), "--no-offline-site"]) == 0
    assert (out / "site" / "layers" / "L1.html").is_file()
    assert not (out / "site-offline").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    capsys.readouterr()
    assert main(["render", "--out", str(empty)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no results folder" in err[0] and "Traceback" not in err[0]
    assert main(["render", "--out", str(out), "--export-charts", "gif"]) == 2


def test_charts_export_as_svg_and_png(out: Path, tmp_path: Path) -> None:
    built = render_site(out, offline=False)
    subset = {page: charts for page, charts in built.charts.items()
              if page in ("index.md", "heads/L0-H0.md")}
    svgs = export_charts(subset, tmp_path / "charts", "svg")
    assert sorted(p.relative_to(tmp_path / "charts").as_posix() for p in svgs) == [
        "heads/L0-H0/examples.example_0.svg", "heads/L0-H0/general.profile.svg",
        "heads/L0-H0/norms.head.svg", "index/home.overview.svg"]
    svg = svgs[0].read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and "</script><b>" not in svg
    pngs = export_charts({"index.md": built.charts["index.md"]}, tmp_path / "png", "png")
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_relative_output_folder(out: Path, monkeypatch) -> None:
    """The default --out is "." : a relative OUT must build (MkDocs resolves against its config)."""
    monkeypatch.chdir(out)
    built = render_site(Path("."), offline=False)
    assert (out / "site" / "index.html").is_file()
    assert built.pages > 0


DECODER_FIXTURE = FIXTURE.parent / "results-decoder"


def test_decoder_site_builds_strictly(tmp_path: Path) -> None:
    """The decoder fixture's site (tests/fixtures/results-decoder) passes mkdocs --strict in both
    variants, with its induction page listed under the general statistics."""
    shutil.copytree(DECODER_FIXTURE, tmp_path / "results")
    built = render_site(tmp_path)
    # home, 7 analyses (coref, general, induction, gradients, heads, norms, syntax),
    # 3 clusters, 2 layers, 6 heads, all heads, about
    assert built.pages == 21
    for folder in (tmp_path / "site", tmp_path / "site-offline"):
        assert (folder / "analyses" / "induction.html").is_file()
        assert (folder / "heads" / "L1-H1.html").is_file()
    general = (tmp_path / "site" / "analyses" / "general.html").read_text(encoding="utf-8")
    assert 'href="induction.html"' in general  # in the page and the navigation
    assert general.count('class="ha-chart"') == 6
    for page in (tmp_path / "site").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "[CLS]" not in text and "[SEP]" not in text, page
