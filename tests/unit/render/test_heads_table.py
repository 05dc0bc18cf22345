"""The all-heads table and the CSV downloads, checked against the fixture JSON read directly.

Expected values come from the results files themselves (json.load) and from hand-worked
choices of each head's best relation, not from the code under test.
"""

from __future__ import annotations

import csv
import io
import json
import random
from html.parser import HTMLParser
from pathlib import Path

import pytest

from generator.render import heads_table
from generator.render.downloads import per_head_csv, write_downloads
from generator.render.heads_table import Column, table_columns, table_csv, table_html
from generator.render.site_data import SiteData, load_site_data
from generator.vocabulary import METRIC_NAMES
from tests.unit.render.conftest import DECODER_FIXTURE, FIXTURE


def _json(folder: Path, name: str) -> dict:
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_encoder_csv_holds_every_head_and_the_stored_values(fixture_data: SiteData) -> None:
    rows = _rows(table_csv(fixture_data))
    general, heads = _json(FIXTURE, "general"), _json(FIXTURE, "heads")
    coref, grads = _json(FIXTURE, "coref"), _json(FIXTURE, "gradients")
    assert [(r["layer"], r["head"], r["name"]) for r in rows] == [
        ("0", "0", "L0-H0"), ("0", "1", "L0-H1"), ("0", "2", "L0-H2"),
        ("1", "0", "L1-H0"), ("1", "1", "L1-H1"), ("1", "2", "L1-H2")]
    for k, row in enumerate(rows):
        layer, head = divmod(k, 3)
        assert row["cluster"] == str(heads["cluster"][k])
        assert row["labels"] == "; ".join(heads["labels"][k])
        for metric, grid in general["metrics"].items():
            header = {"entropy": "entropy", "cls_entropy": "[CLS] row entropy"}.get(
                metric, METRIC_NAMES[metric])
            assert float(row[header]) == grid[layer][head], (metric, k)
        assert float(row["gradient [SEP]"]) == grads["per_head"]["sep"][layer][head]
        assert float(row["coreference accuracy"]) == coref["accuracy"]["all"][layer][head]
    # best relation, worked out by hand from syntax.json (better direction of det and nsubj):
    # L0-H2: det max(0.0, 0.25), nsubj max(0.0, 0.666667) -> nsubj; L1-H0: det 0.75 -> det
    assert (rows[2]["best relation"], rows[2]["its accuracy"]) == ("nsubj", "0.666667")
    assert (rows[3]["best relation"], rows[3]["its accuracy"]) == ("det", "0.75")
    assert (rows[1]["best relation"], rows[1]["its accuracy"]) == ("det", "1.0")
    # an encoder has no sinks, induction or normalised entropy
    assert not {"sink", "induction", "duplicate", "entropy (normalised)"} & set(rows[0])


def test_decoder_csv_has_sinks_and_induction_and_causal_best_relation(
        decoder_data: SiteData) -> None:
    rows = _rows(table_csv(decoder_data))
    general = _json(DECODER_FIXTURE, "general")
    for k, row in enumerate(rows):
        layer, head = divmod(k, 3)
        assert float(row["BOS (position 0)"]) == general["metrics"]["first"][layer][head]
        assert row["sink"] == str(general["sinks"]["has_sink"][layer][head]).lower()
        assert float(row["induction"]) == general["induction"]["induction"][layer][head]
        assert float(row["duplicate"]) == general["induction"]["duplicate"][layer][head]
    # det covers head2dep only; nsubj covers dep2head 1, head2dep 2 (< 3 both): head2dep only.
    # L0-H1: det head2dep 0.5, nsubj head2dep 0.0 (its dep2head 1.0 is not a scored direction)
    assert (rows[1]["best relation"], rows[1]["its accuracy"]) == ("det", "0.5")
    # L0-H0: det 0.25, nsubj 0.5 -> nsubj
    assert (rows[0]["best relation"], rows[0]["its accuracy"]) == ("nsubj", "0.5")
    assert not any("[CLS]" in h or "[SEP]" in h for h in rows[0])


def test_missing_files_drop_columns_and_a_new_file_is_one_line(fixture_data: SiteData) -> None:
    docs = {k: v for k, v in fixture_data.documents.items() if k not in ("syntax", "gradients")}
    data = SiteData(docs, 2, 3)
    headers = [c.header for c in table_columns(data)]
    assert "best relation" not in headers and not any("gradient" in h for h in headers)
    grid = [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]
    data = SiteData({**docs, "norms": {"metrics": {"norm_prev": grid, "norm_zzz": grid}}}, 2, 3)
    columns = table_columns(data)
    norm = [c for c in columns if c.key.startswith("norms.")]
    assert [(c.key, c.header) for c in norm] == [
        ("norms.metrics.norm_prev", "norm-based previous token"),
        ("norms.metrics.norm_zzz", "norm-based norm_zzz")]
    rows = _rows(table_csv(data, columns))
    assert [float(r["norm-based previous token"]) for r in rows] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]
    # a column list of its own: one entry, one column
    only = table_columns(data, (Column("coref", "accuracy.pronoun", "pronouns", "pct"),))
    assert [(c.header, c.grid) for c in only] == [
        ("pronouns", _json(FIXTURE, "coref")["accuracy"]["pronoun"])]


class _Table(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self.headers: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._in = tag
            if tag == "td":
                self.rows[-1].append("")
        elif tag == "a":
            self.links.append(dict(attrs)["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "th":
            self.headers.append(data)
        elif self._in == "td":
            self.rows[-1][-1] += data


def test_html_table_is_plain_and_links_each_head(fixture_data: SiteData) -> None:
    text = table_html(fixture_data, "all-heads.md")
    assert "\n\n" not in text  # one HTML block for Markdown
    table = _Table()
    table.feed(text)
    body = [r for r in table.rows if r]
    assert len(body) == 6
    assert table.links == [f"heads/L{a}-H{h}.html" for a in range(2) for h in range(3)]
    assert all(len(r) == len(table.headers) for r in body)
    assert table.headers[:4] == ["head", "layer", "cluster", "labels"]
    col = table.headers.index
    assert body[2][:4] == ["L0-H2", "L0", "C2", "cls, vertical"]
    assert body[2][col("previous token")] == "0.020"
    assert body[2][col("best relation")] == "nsubj"
    assert body[2][col("its accuracy")] == "66.7%"
    assert body[5][col("coreference accuracy")] == "25.0%"


def test_per_head_csv_of_each_results_file(fixture_data: SiteData, tmp_path: Path) -> None:
    rows = _rows(per_head_csv(fixture_data, "syntax") or "")
    syntax = _json(FIXTURE, "syntax")
    assert float(rows[4]["relations.det.accuracy.head2dep"]) == \
        syntax["relations"]["det"]["accuracy"]["head2dep"][1][1]
    assert float(rows[1]["mst.uuas.dep2head"]) == syntax["mst"]["uuas"]["dep2head"][0][1]
    # method.offsets has 6 = 2 x 3 entries but is no per-head list (syntax.json has no head index)
    assert not any(key.startswith("method") for key in rows[0])
    heads = _rows(per_head_csv(fixture_data, "heads") or "")
    assert [r["pattern"] for r in heads] == _json(FIXTURE, "heads")["pattern"]
    assert "distance" not in heads[0] and "nearest" not in heads[0]
    assert per_head_csv(fixture_data, "examples") is None
    written = write_downloads(fixture_data, tmp_path)
    for name in ("general", "heads", "syntax", "manifest"):
        assert (tmp_path / written[name]["json"]).read_bytes() == \
            (FIXTURE / f"{name}.json").read_bytes()
    assert "csv" not in written["manifest"] and "csv" not in written["examples"]
    assert (tmp_path / "data" / "all-heads.csv").read_text(encoding="utf-8") == \
        table_csv(fixture_data)


def _synthetic(layers: int, heads: int) -> SiteData:
    """A results set of ``layers`` x ``heads`` with every column the table shows."""
    rng = random.Random(0)

    def grid() -> list[list[float]]:
        return [[round(rng.random(), 6) for _ in range(heads)] for _ in range(layers)]

    model = {"name": "synthetic", "num_layers": layers, "num_heads": heads}
    n = layers * heads
    relations = {r: {"count": 10, "best": {"layer": 0, "head": 0, "accuracy": 1.0},
                     "accuracy": {"dep2head": grid(), "head2dep": grid()}}
                 for r in ("all", "det", "nsubj", "obj", "amod", "advmod", "case")}
    docs = {
        "general": {"model": model, "metrics": {m: grid() for m in METRIC_NAMES}},
        "heads": {"model": model, "heads": [[a, h] for a in range(layers) for h in range(heads)],
                  "cluster": [rng.randrange(12) for _ in range(n)],
                  "labels": [["prev", "vertical+diagonal"] for _ in range(n)]},
        "gradients": {"model": model, "per_head": {g: [[rng.random() * 1e-5 for _ in range(heads)]
                                                       for _ in range(layers)]
                                                   for g in ("sep", "punct", "other", "cls")}},
        "syntax": {"model": model, "relations": relations},
        "coref": {"model": model, "accuracy": {"all": grid()}},
        "norms": {"model": model, "metrics": {f"norm_{m}": grid() for m in METRIC_NAMES}},
    }
    return SiteData(docs, layers, heads)


@pytest.mark.parametrize("shape", [(32, 32)])
def test_a_1024_head_table_stays_small(shape: tuple[int, int]) -> None:
    data = _synthetic(*shape)
    columns = table_columns(data)
    assert len(columns) == 2 + 10 + 10 + 4 + 2 + 1  # heads, general, norms, gradients, ...
    text = table_html(data, heads_table.PAGE, columns)
    # the built page adds the theme (~60 kB) and the navigation around it: under 1 MB in all
    assert len(text.encode("utf-8")) < 800_000
    assert len(_rows(table_csv(data, columns))) == 1024


def test_fixture_site_data_has_its_folder() -> None:
    assert load_site_data(FIXTURE).folder == FIXTURE
