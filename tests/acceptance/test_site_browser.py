"""A built site in a real browser (Debian's chromium through playwright), over HTTP and file://.

Every chart container must hold a drawn chart (svg or canvas), no request may leave the machine,
hostile corpus text must show as text, and charts must survive instant navigation. Screenshots
are saved under the test's tmp folder.
"""

from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from generator.render.site import render_site

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "results"
PAGES = ("index.html", "layers/L1.html", "heads/L0-H0.html", "analyses/general.html",
         "analyses/heads.html", "analyses/coref.html", "analyses/syntax.html",
         "heads/L0-H1.html", "analyses/gradients.html", "analyses/probes.html")


def _playwright():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install playwright)")
    return sync_playwright


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("site")


@pytest.fixture(scope="module")
def http_root(out_dir: Path) -> Iterator[str]:
    """A server for OUT/site on a free port (the site is built after it starts listening)."""
    handler = functools.partial(_Quiet, directory=str(out_dir / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def built_site(out_dir: Path, http_root: str) -> Path:
    """The fixture's site, with site_url set to where it is served (instant navigation)."""
    shutil.copytree(FIXTURE, out_dir / "results")
    render_site(out_dir, site_url=http_root)
    return out_dir


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    sync_playwright = _playwright()
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def _is_local(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("file", "data", "blob", "about") or parsed.hostname == "127.0.0.1"


def _open(browser, scheme: str = "light"):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    left: list[str] = []

    def guard(route):
        if _is_local(route.request.url):
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, left, errors


def _charts_drawn(page) -> list[bool]:
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.ha-chart')]"
        ".every(e => e.querySelector('svg, canvas'))", timeout=15_000)
    return page.eval_on_selector_all(
        "div.ha-chart", "els => els.map(e => !!e.querySelector('svg, canvas'))")


@pytest.mark.parametrize("variant", ["http", "file"])
def test_every_chart_draws_and_nothing_leaves_the_machine(browser, built_site: Path,
                                                          http_root: str, variant: str,
                                                          tmp_path: Path) -> None:
    root = http_root if variant == "http" else (built_site / "site-offline").as_uri() + "/"
    context, page, left, errors = _open(browser)
    for name in PAGES:
        page.goto(root + name)
        drawn = _charts_drawn(page)
        assert drawn and all(drawn), f"{variant} {name}: {drawn}"
        page.screenshot(path=str(tmp_path / f"{variant}-{name.replace('/', '_')}.png"),
                        full_page=True)
    context.close()
    assert left == [], f"requests left the machine: {left}"
    assert errors == []


def test_hostile_text_shows_as_text(browser, built_site: Path, http_root: str) -> None:
    context, page, left, errors = _open(browser)
    page.goto(http_root + "heads/L0-H0.html")
    _charts_drawn(page)
    content = page.locator("article")
    assert content.locator("b").count() == 0  # "<b>x</b>" from a token made no element
    assert content.locator("i").count() == 0  # nor "<i>1</i>" from the source
    assert "doc <i>1</i> [x](http://evil.example)" in content.inner_text()
    labels = page.eval_on_selector_all("div.ha-chart svg text",
                                       "els => els.map(e => e.textContent)")
    assert "3 </script><b>x</b>" in labels
    assert "2 *cat*" in labels
    context.close()
    assert left == [] and errors == []


def test_charts_survive_instant_navigation_and_dark_mode(browser, built_site: Path,
                                                         http_root: str,
                                                         tmp_path: Path) -> None:
    context, page, left, errors = _open(browser, scheme="dark")
    page.goto(http_root + "index.html")
    _charts_drawn(page)
    page.evaluate("window.__sameDocument = true")
    page.locator("article li a[href$='heads/L1-H0.html']").first.click()
    page.wait_for_function("() => (document.querySelector('article h1') || {}).textContent"
                           "?.startsWith('L1-H0')", timeout=15_000)
    drawn = _charts_drawn(page)
    assert len(drawn) == 3 and all(drawn)  # profile, example, norm-based shares
    # Instant navigation swapped the content without reloading, and the charts still drew.
    assert page.evaluate("window.__sameDocument === true")
    assert page.evaluate("document.body.getAttribute('data-md-color-scheme')") == "slate"
    page.screenshot(path=str(tmp_path / "dark-head.png"), full_page=True)
    context.close()
    assert left == [] and errors == []


def test_search_finds_a_head_page(browser, built_site: Path, http_root: str) -> None:
    for root in (http_root, (built_site / "site-offline").as_uri() + "/"):
        context, page, left, errors = _open(browser)
        page.goto(root + "index.html")
        page.click(".md-search__input", timeout=5_000)
        page.keyboard.type("L1-H2")
        page.wait_for_selector(".md-search-result__item", timeout=10_000)
        assert "L1-H2" in page.locator(".md-search-result").inner_text()
        context.close()
        assert left == [], root


def _legend(page, chart: str) -> list[str]:
    return page.eval_on_selector_all(f"#{chart} svg .role-legend-label text",
                                     "els => els.map(e => e.textContent)")


@pytest.mark.parametrize("variant", ["http", "file"])
def test_head_map_switches_colours_and_opens_a_head(browser, built_site: Path, http_root: str,
                                                    variant: str) -> None:
    root = http_root if variant == "http" else (built_site / "site-offline").as_uri() + "/"
    context, page, left, errors = _open(browser)
    page.goto(root + "analyses/heads.html")
    _charts_drawn(page)
    assert {"cluster C0", "cluster C1", "cluster C2"} <= set(_legend(page, "ha-heads-map"))
    page.locator("#ha-heads-map input[type=radio][value='layer']").check()
    page.wait_for_function("() => [...document.querySelectorAll("
                           "'#ha-heads-map .role-legend-label text')]"
                           ".some(e => e.textContent === 'layer 1')", timeout=10_000)
    assert "cluster C0" not in _legend(page, "ha-heads-map")
    # the first point is L0-H0 (data order); clicking it follows its relative href
    point = page.locator("#ha-heads-map svg .mark-symbol path").first
    point.click()
    page.wait_for_function("() => (document.querySelector('article h1') || {}).textContent"
                           "?.startsWith('L0-H0')", timeout=15_000)
    assert page.url.endswith("heads/L0-H0.html")
    context.close()
    assert left == [] and errors == []


@pytest.mark.parametrize("variant", ["http", "file"])
def test_a_by_layer_point_opens_its_head(browser, built_site: Path, http_root: str,
                                         variant: str) -> None:
    """Points of the by-layer charts carry no URL; the chart computes it from the head label
    (chart_kit.head_url), and clicking still opens the head's page."""
    root = http_root if variant == "http" else (built_site / "site-offline").as_uri() + "/"
    context, page, left, errors = _open(browser)
    page.goto(root + "analyses/general.html")
    _charts_drawn(page)
    # the first point is L0-H0 (data order; another point covers it, so the click goes to it)
    point = page.locator("#ha-general-special svg .mark-symbol path").first
    assert "url: ../heads/L0-H0.html" in (point.get_attribute("aria-label") or "")
    point.dispatch_event("click")
    page.wait_for_function("() => (document.querySelector('article h1') || {}).textContent"
                           "?.startsWith('L0-H0')", timeout=15_000)
    assert page.url.endswith("heads/L0-H0.html")
    context.close()
    assert left == [] and errors == []


def test_coref_example_shows_hostile_words_as_text(browser, built_site: Path,
                                                   http_root: str) -> None:
    context, page, left, errors = _open(browser)
    page.goto(http_root + "analyses/coref.html")
    _charts_drawn(page)
    passage = page.locator("div.ha-passage")
    assert passage.locator("b").count() == 0
    assert "</script><b>x</b>" in passage.inner_text()
    assert page.locator("div.ha-passage .ha-pronoun").inner_text() == "*She*"
    assert page.locator("div.ha-passage .ha-predicted").inner_text() == "Kim"
    labels = page.eval_on_selector_all("#ha-coref-example svg text",
                                       "els => els.map(e => e.textContent)")
    assert "0 Kim (chosen)" in labels and "2 </script><b>x</b>" in labels
    context.close()
    assert left == [] and errors == []


def test_syntax_heatmap_selects_a_relation_and_figure5_draws(browser, built_site: Path,
                                                              http_root: str,
                                                              tmp_path: Path) -> None:
    context, page, left, errors = _open(browser)
    page.goto(http_root + "analyses/syntax.html")
    _charts_drawn(page)
    chart = page.locator("#ha-syntax-accuracy")
    texts = "() => [...document.querySelectorAll('#ha-syntax-accuracy svg text')]" \
            ".map(e => e.textContent)"
    assert "46*" in page.evaluate(texts)  # "all", better direction: L0-H2's head2dep 0.46
    chart.locator("select[name=relation]").select_option("det")
    page.wait_for_function(texts + ".includes('100')", timeout=5_000)
    assert "75" in page.evaluate(texts)  # det: L1-H0 0.75
    chart.locator("select[name=direction]").select_option("head2dep")
    page.wait_for_function(texts + ".includes('50')", timeout=5_000)
    assert "100" not in page.evaluate(texts)  # det head2dep: at most 0.5
    page.screenshot(path=str(tmp_path / "syntax.png"), full_page=True)
    page.goto(http_root + "heads/L0-H1.html")
    _charts_drawn(page)
    labels = page.eval_on_selector_all("#ha-syntax-figure5-0 svg text",
                                       "els => els.map(e => e.textContent)")
    assert labels.count("</script><b>x</b>") == 2 and labels.count("*cat*") == 2
    assert page.locator("article b").count() == 0
    page.screenshot(path=str(tmp_path / "figure5.png"), full_page=True)
    context.close()
    assert left == [] and errors == []


DECODER_PAGES = ("index.html", "analyses/general.html", "analyses/induction.html",
                 "analyses/syntax.html", "analyses/gradients.html", "analyses/heads.html",
                 "layers/L1.html", "heads/L1-H1.html")


@pytest.fixture(scope="module")
def decoder_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The decoder fixture's offline site (tests/fixtures/results-decoder)."""
    out = tmp_path_factory.mktemp("decoder-site")
    shutil.copytree(FIXTURE.parent / "results-decoder", out / "results")
    render_site(out)
    return out / "site-offline"


def _cells(page) -> list[str]:
    return page.eval_on_selector_all("#ha-syntax-accuracy svg .mark-text.role-mark text",
                                     "els => els.map(e => e.textContent)")


def test_decoder_charts_draw(browser, decoder_site: Path, tmp_path: Path) -> None:
    root = decoder_site.as_uri() + "/"
    context, page, left, errors = _open(browser)
    for name in DECODER_PAGES:
        page.goto(root + name)
        drawn = _charts_drawn(page)
        assert drawn and all(drawn), f"{name}: {drawn}"
        page.screenshot(path=str(tmp_path / f"decoder-{name.replace('/', '_')}.png"),
                        full_page=True)
    # the accuracy heatmap over covered dependents: "all", better of the two: the six heads
    # (* = head2dep better: L0-H0 .29, L0-H1 .43, L1-H1 .71); det covers no dep2head: no cells
    page.goto(root + "analyses/syntax.html")
    _charts_drawn(page)
    assert _cells(page) == ["29*", "43*", "60", "80", "71*", "40"]
    page.select_option("#ha-syntax-accuracy select >> nth=0", "det")
    page.select_option("#ha-syntax-accuracy select >> nth=1", "dep2head")
    page.wait_for_function("() => document.querySelectorAll("
                           "'#ha-syntax-accuracy svg .mark-text.role-mark text').length === 0",
                           timeout=10_000)
    page.select_option("#ha-syntax-accuracy select >> nth=1", "head2dep")
    page.wait_for_function("() => document.querySelectorAll("
                           "'#ha-syntax-accuracy svg .mark-text.role-mark text').length === 6",
                           timeout=10_000)
    assert _cells(page) == ["25", "50", "0", "25", "100", "75"]
    context.close()
    assert left == [] and errors == []


# ---- the all-heads table (issue 22) and the downloads


def _table_heads(page) -> list[str]:
    """The head names of the rows shown, in page order."""
    return page.eval_on_selector_all(
        "table.ha-heads-table tbody tr:not([hidden])",
        "rows => rows.map(r => r.cells[0].textContent.trim())")


def _column(page, header: str) -> int:
    headers = page.eval_on_selector_all("table.ha-heads-table thead th",
                                        "ths => ths.map(t => t.textContent.trim())")
    return headers.index(header)


@pytest.mark.parametrize("variant", ["http", "file"])
def test_all_heads_table_sorts_filters_and_links(browser, built_site: Path, http_root: str,
                                                 variant: str, tmp_path: Path) -> None:
    root = http_root if variant == "http" else (built_site / "site-offline").as_uri() + "/"
    context, page, left, errors = _open(browser)
    # reached from the home page's link (over HTTP: by instant navigation, no reload)
    page.goto(root + "index.html")
    page.evaluate("window.__sameDocument = true")
    page.locator("article a[href$='all-heads.html']").first.click()
    page.wait_for_selector("table.ha-heads-table[data-ready='1']", timeout=10_000)
    if variant == "http":
        assert page.evaluate("window.__sameDocument === true")
    assert _table_heads(page) == ["L0-H0", "L0-H1", "L0-H2", "L1-H0", "L1-H1", "L1-H2"]
    # previous-token shares (general.json): .8 .05 .02 / .01 .02 .1; ties keep reading order
    prev = page.locator("table.ha-heads-table thead th").nth(_column(page, "previous token"))
    prev.click()
    assert _table_heads(page) == ["L1-H0", "L0-H2", "L1-H1", "L0-H1", "L1-H2", "L0-H0"]
    prev.click()
    assert _table_heads(page)[0] == "L0-H0"
    assert prev.get_attribute("aria-sort") == "descending"
    # coreference accuracy is written as a percentage: .2 .35 .1 / .6 .3 .25
    page.locator("table.ha-heads-table thead th").nth(
        _column(page, "coreference accuracy")).click()
    assert _table_heads(page) == ["L0-H2", "L0-H0", "L1-H2", "L1-H1", "L0-H1", "L1-H0"]
    # the head column sorts back to reading order (layer 1 after layer 0, not by text)
    page.locator("table.ha-heads-table thead th").first.click()
    assert _table_heads(page) == ["L0-H0", "L0-H1", "L0-H2", "L1-H0", "L1-H1", "L1-H2"]
    filters = page.locator("#ha-heads-filters")
    filters.locator("select[name=layer]").select_option("L1")
    assert _table_heads(page) == ["L1-H0", "L1-H1", "L1-H2"]
    filters.locator("select[name=cluster]").select_option("C2")  # heads.json: L0-H2, L1-H0
    assert _table_heads(page) == ["L1-H0"]
    assert "1 of 6 heads shown" in filters.inner_text()
    filters.locator("select[name=layer]").select_option("")
    filters.locator("select[name=cluster]").select_option("")
    filters.locator("select[name=label]").select_option("diagonal")
    assert _table_heads(page) == ["L0-H0", "L1-H1"]
    page.screenshot(path=str(tmp_path / f"all-heads-{variant}.png"), full_page=True)
    # every cell links to its head's page
    cells = page.eval_on_selector_all("table.ha-heads-table tbody td",
                                      "tds => tds.map(td => !!td.querySelector('a'))")
    assert cells and all(cells)
    page.locator("table.ha-heads-table tbody tr:not([hidden])").nth(1).locator("td").nth(
        _column(page, "coreference accuracy")).locator("a").click()
    page.wait_for_function("() => (document.querySelector('article h1') || {}).textContent"
                           "?.startsWith('L1-H1')", timeout=15_000)
    context.close()
    assert left == [] and errors == []


def test_all_heads_table_reads_without_javascript(browser, built_site: Path,
                                                  http_root: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(http_root + "all-heads.html")
    assert _table_heads(page) == ["L0-H0", "L0-H1", "L0-H2", "L1-H0", "L1-H1", "L1-H2"]
    links = page.eval_on_selector_all("table.ha-heads-table tbody td:first-child a",
                                      "as => as.map(a => a.getAttribute('href'))")
    assert links == [f"heads/L{a}-H{h}.html" for a in range(2) for h in range(3)]
    third = page.eval_on_selector_all("table.ha-heads-table tbody tr:nth-child(3) td",
                                      "tds => tds.map(td => td.textContent.trim())")
    assert third[:4] == ["L0-H2", "L0", "C2", "cls, vertical"]
    context.close()


def _download_targets(page, pattern: str) -> list[str]:
    return page.eval_on_selector_all(f"article a[href$='{pattern}']", "as => as.map(a => a.href)")


@pytest.mark.parametrize("variant", ["http", "file"])
def test_download_links_resolve_and_parse(browser, built_site: Path, http_root: str,
                                          variant: str) -> None:
    root = http_root if variant == "http" else (built_site / "site-offline").as_uri() + "/"
    context, page, left, errors = _open(browser)

    def fetch(url: str) -> str:
        if variant == "http":
            response = context.request.get(url)
            assert response.ok, url
            return response.text()
        return Path(urlparse(url).path).read_text(encoding="utf-8")

    page.goto(root + "all-heads.html")
    (csv_url,) = _download_targets(page, "data/all-heads.csv")
    rows = list(csv.DictReader(io.StringIO(fetch(csv_url))))
    assert [r["name"] for r in rows] == ["L0-H0", "L0-H1", "L0-H2", "L1-H0", "L1-H1", "L1-H2"]
    assert float(rows[3]["[SEP]"]) == 0.65  # general.json metrics.sep[1][0]
    page.goto(root + "analyses/coref.html")
    (json_url,) = _download_targets(page, "data/coref.json")
    (csv_url,) = _download_targets(page, "data/coref.csv")
    stored = json.loads((FIXTURE / "coref.json").read_text(encoding="utf-8"))
    assert json.loads(fetch(json_url)) == stored
    rows = list(csv.DictReader(io.StringIO(fetch(csv_url))))
    assert [float(r["accuracy.pronoun"]) for r in rows] == \
        [v for row in stored["accuracy"]["pronoun"] for v in row]
    page.goto(root + "about.html")
    assert "Clark" in page.locator("article").inner_text()
    assert _download_targets(page, "data/manifest.json")
    context.close()
    assert left == [] and errors == []


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_a_chart_saves_as_svg_and_png_offline(browser, built_site: Path, fmt: str) -> None:
    root = (built_site / "site-offline").as_uri() + "/"
    context, page, left, errors = _open(browser)
    page.goto(root + "analyses/general.html")
    _charts_drawn(page)
    chart = page.locator("div.ha-chart").first
    chart.locator("details summary").click()
    link = chart.locator(f".vega-actions a[download$='.{fmt}']")
    link.dispatch_event("mousedown")  # vega-embed renders the image on mousedown
    page.wait_for_function(
        "a => a.href.startsWith('data:') || a.href.startsWith('blob:')",
        arg=link.element_handle(), timeout=10_000)
    with page.expect_download() as info:
        link.click()
    saved = Path(info.value.path()).read_bytes()
    if fmt == "svg":
        assert saved.lstrip().startswith(b"<svg")
    else:
        assert saved.startswith(b"\x89PNG")
    context.close()
    assert left == [] and errors == []
