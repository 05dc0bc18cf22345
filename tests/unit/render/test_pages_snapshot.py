"""Pages rendered from the fixed results fixture must match the stored snapshots.

After an intended change, refresh them with ``HEADATLAS_UPDATE_SNAPSHOTS=1 pytest ...`` and
review the diff of tests/snapshots/ before committing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from generator.render.pages import render_pages
from generator.render.site_data import SiteData, load_site_data
from tests.unit.render.conftest import DECODER_FIXTURE, FIXTURE

SNAPSHOTS = Path(__file__).resolve().parents[2] / "snapshots"
UPDATE = os.environ.get("HEADATLAS_UPDATE_SNAPSHOTS") == "1"


SUFFIXES = (".md", ".js", ".csv")


def _files(root: Path) -> dict[str, str]:
    """Pages (*.md), their chart spec scripts (*.js) and the CSV downloads (data/*.csv)."""
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*")) if p.suffix in SUFFIXES}


@pytest.mark.parametrize(("results", "snapshots"), [(FIXTURE, "site_src"),
                                                    (DECODER_FIXTURE, "site_src-decoder")])
def test_pages_match_snapshots(results: Path, snapshots: str, tmp_path: Path) -> None:
    # the encoder fixture's pages, and a decoder's (tests/fixtures/results-decoder)
    nav, _ = render_pages(load_site_data(results), tmp_path)
    rendered = _files(tmp_path)
    stored_in = SNAPSHOTS / snapshots
    if UPDATE:
        for old in stored_in.rglob("*"):
            if old.suffix in SUFFIXES:
                old.unlink()
        for name, text in rendered.items():
            (stored_in / name).parent.mkdir(parents=True, exist_ok=True)
            (stored_in / name).write_text(text, encoding="utf-8")
        pytest.skip("snapshots updated")
    stored = _files(stored_in)
    assert sorted(rendered) == sorted(stored), "pages added or removed"
    for name, text in rendered.items():
        assert text == stored[name], f"{name} differs from its snapshot"


def test_expected_pages_and_navigation(fixture_data: SiteData, tmp_path: Path) -> None:
    nav, writer = render_pages(fixture_data, tmp_path)
    pages = sorted(writer.charts_written)
    assert pages == sorted(["index.md", "analyses/general.md", "analyses/coref.md",
                            "analyses/heads.md", "analyses/syntax.md", "analyses/gradients.md",
                            "analyses/norms.md", "analyses/probes.md", "about.md", "all-heads.md",
                            "layers/L0.md", "layers/L1.md"]
                           + [f"heads/L{a}-H{h}.md" for a in range(2) for h in range(3)]
                           + [f"clusters/C{c}.md" for c in range(3)])
    assert nav[0] == {"Home": "index.md"}
    analyses = nav[1]["Analyses"]
    assert {"General statistics": "analyses/general.md"} in analyses
    assert {"Coreference": "analyses/coref.md"} in analyses
    assert {"Dependency syntax": "analyses/syntax.md"} in analyses
    assert {"Gradient importance (Figure 3)": "analyses/gradients.md"} in analyses
    assert {"Attention probes (Table 3)": "analyses/probes.md"} in analyses
    assert {"Norm-based attention": "analyses/norms.md"} in analyses
    assert {"Head map and clusters": ["analyses/heads.md", {"Cluster C0": "clusters/C0.md"},
                                      {"Cluster C1": "clusters/C1.md"},
                                      {"Cluster C2": "clusters/C2.md"}]} in analyses
    layer1 = nav[2]["Layers and heads"][1]["Layer 1"]
    assert layer1[0] == {"Layer 1 overview": "layers/L1.md"}
    assert [list(item)[0] for item in layer1[1:]] == ["L1-H0", "L1-H1", "L1-H2"]


def test_head_page_links_to_its_layer_and_neighbours(fixture_data: SiteData,
                                                      tmp_path: Path) -> None:
    render_pages(fixture_data, tmp_path)
    page = (tmp_path / "heads" / "L1-H0.md").read_text(encoding="utf-8")
    assert "[Layer 1](../layers/L1.md)" in page
    assert "previous head: [L0-H2](L0-H2.md)" in page
    assert "next head: [L1-H1](L1-H1.md)" in page
    assert "same head, layer above: [L0-H0](L0-H0.md)" in page
    assert "layer below" not in page
    assert "the paper's 2-1" in page
    assert "**L3-H7** is layer 3, head 7" in page  # the numbering note
    # rank table: L1-H0 has the highest [SEP] share of the 6 heads
    assert "| &#91;SEP&#93; | 0.650 | 1 | 0.267 |" in page


def test_corpus_text_is_escaped_on_the_pages(fixture_data: SiteData, tmp_path: Path) -> None:
    render_pages(fixture_data, tmp_path)
    for path in tmp_path.rglob("*"):
        if path.suffix in (".md", ".js"):
            text = path.read_text(encoding="utf-8")
            assert "</script><b>" not in text
            assert "<b>not bold</b>" not in text
            assert "[x](http://evil" not in text
    head = (tmp_path / "heads" / "L0-H0.md").read_text(encoding="utf-8")
    assert "&#60;i&#62;1&#60;/i&#62;" in head  # the example's source, as text
    assert head.rstrip().endswith(
        '<script src="../assets/headatlas/charts/heads/L0-H0.js"></script>')
    specs = (tmp_path / "assets" / "headatlas" / "charts" / "heads" / "L0-H0.js").read_text(
        encoding="utf-8")
    assert "\\u003c/script\\u003e\\u003cb\\u003ex" in specs  # inside the chart's JSON
    # the general profile, the norm-based shares and the example map
    assert specs.count("(window.__specs=window.__specs||{})[") == 3


def test_decoder_pages_and_navigation(decoder_data: SiteData, tmp_path: Path) -> None:
    # the induction page joins the general statistics in the navigation; no probes here
    nav, writer = render_pages(decoder_data, tmp_path)
    assert sorted(writer.charts_written) == sorted(
        ["index.md", "analyses/general.md", "analyses/induction.md", "analyses/coref.md",
         "analyses/heads.md", "analyses/syntax.md", "analyses/gradients.md", "analyses/norms.md",
         "about.md",
         "all-heads.md", "layers/L0.md", "layers/L1.md"]
        + [f"heads/L{a}-H{h}.md" for a in range(2) for h in range(3)]
        + [f"clusters/C{c}.md" for c in range(3)])
    assert {"General statistics": ["analyses/general.md",
                                   {"Induction and duplicate heads": "analyses/induction.md"}]
            } in nav[1]["Analyses"]
    specs = (tmp_path / "assets" / "headatlas" / "charts" / "analyses" / "induction.js")
    assert '"ha-general-scores"' in specs.read_text(encoding="utf-8")


PAPER_ERA = re.compile(r"\[CLS\]|\[SEP\]|&#91;CLS&#93;|&#91;SEP&#93;|\bCLS\b|\bSEP\b")
"""[CLS] and [SEP], as text, escaped for Markdown, or bare (a chart label such as "CLS 70")."""


@pytest.mark.parametrize("bos", ["on", "off"])
def test_no_paper_era_tokens_on_a_decoders_site(decoder_data: SiteData, tmp_path: Path,
                                                bos: str) -> None:
    # SPEC section 11: [CLS] and [SEP] never appear on a decoder's pages or in its charts
    decoder_data.documents["manifest"]["settings"]["bos"] = bos
    render_pages(decoder_data, tmp_path)
    files = _files(tmp_path)
    assert len(files) > 30
    for name, text in files.items():
        assert not PAPER_ERA.search(text), f"{name}: {PAPER_ERA.search(text)}"
    # the same check finds them on an encoder's site (so it can fail)
    encoder = tmp_path / "encoder"
    render_pages(load_site_data(FIXTURE), encoder)
    assert sum(bool(PAPER_ERA.search(text)) for text in _files(encoder).values()) > 10


def test_decoder_head_page(decoder_data: SiteData, tmp_path: Path) -> None:
    render_pages(decoder_data, tmp_path)
    page = (tmp_path / "heads" / "L1-H1.md").read_text(encoding="utf-8")
    # induction grid [[.01, .02, .03], [.05, .82, .12]]: .82 is rank 1, layer 1 mean
    # (.05 + .82 + .12) / 3 = .330, all heads 1.05 / 6 = .175
    assert ("| [induction score](../analyses/induction.md) | 0.820 | 1 | 0.330 | 0.175 |"
            in page)
    # duplicate [[.02, .01, .55], [.03, .06, .04]]: .06 is rank 2; layer .13 / 3 = .043;
    # all .71 / 6 = .118
    assert ("| [duplicate-token score](../analyses/induction.md) | 0.060 | 2 | 0.043 | 0.118 |"
            in page)
    # first .45 > .3: a sink; without BOS .40 > .3: position 0
    assert ("**Attention sink**: yes, 45% of its attention goes to the BOS token (position 0)"
            in page)
    assert "without the BOS token it still gives 40% to position 0" in page
    assert "so its sink is position 0, whatever token is there." in page
    assert "Labels: **induction**, **vertical** (label induction;" in page
    assert "block" not in page
    # L0-H1: a sink (.35) that goes with the BOS token (.12 without it)
    sink_bos = (tmp_path / "heads" / "L0-H1.md").read_text(encoding="utf-8")
    assert ("without the BOS token it still gives 12% to position 0,\n"
            "so its sink is the BOS token.") in sink_bos
    none = (tmp_path / "heads" / "L0-H0.md").read_text(encoding="utf-8")
    assert "**Attention sink**: no, 10% of its attention goes to the BOS token (position 0)" \
        in none
