"""The view of probes.json: its sentence and its charts, against values worked out by hand."""

from __future__ import annotations

from generator.render.site_data import SiteData
from generator.render.views import probes
from generator.render.views.probes import probe_sentence


def test_probe_sentence_from_the_fixture(fixture_data: SiteData) -> None:
    sentence = probe_sentence(fixture_data.get("probes"))
    assert sentence == ("From attention alone, the Attn probe attaches 50% of held-out words to "
                        "their syntactic head (paper: 61%); right-branching 25%, Attn + "
                        "embeddings 62%. It weights [L1-H0](heads/L1-H0.md) most (0.900, word "
                        "to candidate head).")
    assert probe_sentence({}) is None


def test_probe_page_charts_from_the_fixture(fixture_data: SiteData) -> None:
    specs = probes.page_charts(fixture_data, "analyses/probes.md")
    rows = specs["uas"]["datasets"]["rows"]
    assert [r["label"] for r in rows] == ["Attn", "Attn + embeddings", "Distances + embeddings",
                                          "Right-branching"]
    assert [r["score"] for r in rows] == [0.5, 0.625, 0.45, 0.25]
    assert [r["reference"] for r in rows] == [0.61, 0.77, 0.58, 0.26]
    cells = specs["weights"]["datasets"]["cells"]
    back = [c for c in cells if c["panel"] == "head attends to its word" and c["name"] == "L1-H2"]
    assert back[0]["value"] == 0.6
