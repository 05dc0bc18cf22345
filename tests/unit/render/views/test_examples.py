"""The view of examples.json: attention heatmaps carry the maps and labels, and corpus text
only ever as data."""

from __future__ import annotations

from generator.render.site_data import SiteData
from generator.render.views import examples
from tests.unit.render.specs import expressions


def test_example_map_rows_and_labels(fixture_data: SiteData) -> None:
    example = fixture_data.get("examples")["examples"][0]
    spec = examples.example_map(example, 0, 0, "Example 1")
    rows = spec["datasets"]["cells"]
    assert [r["i"] for r in rows] == [0, 1, 2, 3, 4]
    assert rows[4]["v"] == [0.0, 0.0, 0.0, 0.5, 0.0, 0.5]
    labels = [x["t"] for x in spec["datasets"]["labels"]]
    assert labels == ["0 [CLS]", "1 the", "2 *cat*", "3 </script><b>x</b>", "6 [SEP]",
                      "(not shown)"]
    assert spec["title"] == "Example 1"
    # another head reuses the same skeleton with its own data
    other = examples.example_map(example, 1, 0, "Example 1")
    assert other["datasets"]["cells"][0]["v"] == [0, 0, 0, 0, 1.0, 0]


def test_corpus_text_never_enters_an_expression(fixture_data: SiteData) -> None:
    example = fixture_data.get("examples")["examples"][0]
    specs = [examples.example_map(example, 0, 1, "x"),
             examples.layer_example_maps(example, 1, "layers/L1.md")]
    for spec in specs:
        for expression in expressions(spec):
            for token in example["tokens"]:
                assert token not in expression


def test_layer_example_maps_hold_every_head(fixture_data: SiteData) -> None:
    example = fixture_data.get("examples")["examples"][0]
    spec = examples.layer_example_maps(example, 1, "layers/L1.md")
    heads = sorted({r["h"] for r in spec["datasets"]["cells"]})
    assert heads == [0, 1, 2]
    assert len(spec["datasets"]["cells"]) == 3 * 5
