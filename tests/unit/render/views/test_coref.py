"""The view of coref.json: Table 2's rows, ranks, the escaped example passage and its charts
(values, relative links, no corpus text in expressions)."""

from __future__ import annotations

import copy
from pathlib import Path

from generator.render.pages import render_pages
from generator.render.site_data import SiteData
from generator.render.views import coref as coref_view
from generator.render.views import heads
from tests.unit.render.specs import expressions


def test_table_rows_put_the_best_head_first(fixture_data: SiteData) -> None:
    rows = coref_view.table_rows(fixture_data, "analyses/coref.md")
    assert [r["name"] for r in rows] == ["Best head [L1-H0](../heads/L1-H0.md)",
                                         "Nearest mention", "Head-word match",
                                         "Rule-based (sieves)"]
    assert rows[0]["all"] == 0.6 and rows[0]["ci"] == [0.4, 0.8] and rows[0]["pronoun"] == 0.8
    assert rows[2]["proper"] == 1.0


def test_rank_counts_better_heads(fixture_data: SiteData) -> None:
    # accuracy.all: [[.2, .35, .1], [.6, .3, .25]]
    assert coref_view.rank(fixture_data, 1, 0) == 1
    assert coref_view.rank(fixture_data, 0, 1) == 2
    assert coref_view.rank(fixture_data, 0, 2) == 6


def _example(**changes):
    example = {"layer": 0, "head": 0, "words": ["a", "b", "c", "<i>it</i>"],
               "sentence_starts": [0, 3],
               "mentions": [{"start": 0, "end": 2, "head": 0, "entity": 0},
                            {"start": 1, "end": 1, "head": 1, "entity": 1},
                            {"start": 3, "end": 3, "head": 3, "entity": 1}],
               "pronoun": 2, "pronoun_word": 3, "predicted_word": 1,
               "candidates": [{"word": 0, "weight": 0.1, "gold": False},
                              {"word": 1, "weight": 0.4, "gold": True}]}
    return {**example, **changes}


def test_passage_nests_mentions_and_marks_the_words() -> None:
    html = coref_view.passage_html(_example())
    # [a [b]1 c]0 | [it]1: outer bracket opens first, inner closes first
    brackets = [part.split(">")[1][0] for part in html.split('<span class="ha-bracket')[1:]]
    assert brackets == ["[", "[", "]", "]", "[", "]"]
    assert html.index("<sub>1</sub>") < html.index("<sub>0</sub>")
    assert 'class="ha-word ha-candidate ha-predicted ha-gold"' in html
    assert 'style="--ha-w:0.25"' in html  # 0.1 / 0.4, shaded relative to the largest weight
    assert 'class="ha-word ha-pronoun"' in html
    assert html.count('class="ha-sentence-break"') == 1
    assert "<i>" not in html and "&#60;i&#62;it&#60;/i&#62;" in html
    words = coref_view.example_words(_example())
    assert words == {"pronoun": "&#60;i&#62;it&#60;/i&#62;", "predicted": "b",
                     "antecedent": "b"}


def test_fixture_passage_escapes_hostile_words(fixture_data: SiteData) -> None:
    html = coref_view.passage_html(fixture_data.get("coref")["example"])
    assert "</script>" not in html and "<b>" not in html
    assert "&#42;She&#42;" in html


def test_page_states_earlier_and_nearest_and_the_overlap_count(fixture_data: SiteData,
                                                               tmp_path: Path) -> None:
    render_pages(fixture_data, tmp_path)
    page = (tmp_path / "analyses" / "coref.md").read_text(encoding="utf-8")
    assert "- **Earlier**: a mention is earlier than another when it ends before the other " \
           "starts;" in page
    # the fixture's mentions_overlapped_only is 1
    assert "So 1 mention is not scored only because of overlap" in page
    assert "1 unscored because of overlap" in page
    assert "- **Nearest**: the earlier mention with the latest head word" in page
    assert "gold coreference annotation" in page
    # results written before the count existed: the rules are still stated, no count invented
    doc = copy.deepcopy(fixture_data.get("coref"))
    del doc["mentions_overlapped_only"], doc["rules"]["earlier"]
    old = tmp_path / "old"
    render_pages(SiteData({**fixture_data.documents, "coref": doc}, 2, 3), old)
    page = (old / "analyses" / "coref.md").read_text(encoding="utf-8")
    assert "- **Earlier**: a mention is earlier than another when it ends before the other " \
           "starts;" in page
    assert "overlap:" not in page and "because of overlap" not in page


def test_definitions_fall_back_for_older_results() -> None:
    got = coref_view.definitions({"rules": {"nearest": "x"}, "mentions_overlapped_only": 3})
    assert got == {"earlier": coref_view.EARLIER, "nearest": "x", "overlapped_only": 3}
    assert coref_view.definitions({})["overlapped_only"] is None


def test_coref_heatmap_and_example(fixture_data: SiteData) -> None:
    heat = coref_view.accuracy_heatmap(fixture_data, "analyses/coref.md")
    cells = heat["datasets"]["cells"]
    assert len(cells) == 6
    best = next(c for c in cells if c["name"] == "L1-H0")
    assert best["all"] == 0.6 and best["pronoun"] == 0.8 and best["text"] == "60"
    assert best["url"] == "../heads/L1-H0.html"
    example = fixture_data.get("coref")["example"]
    bars = coref_view.example_attention(example)["datasets"]["rows"]
    assert [b["word"] for b in bars] == ["0 Kim (chosen)", "2 </script><b>x</b>"]
    assert [b["kind"] for b in bars] == ["an antecedent (gold)", "another mention"]
    assert [b["weight"] for b in bars] == [0.5, 0.2]


def test_corpus_text_stays_out_of_expressions(fixture_data: SiteData) -> None:
    example = fixture_data.get("coref")["example"]
    specs = [coref_view.example_attention(example),
             coref_view.accuracy_heatmap(fixture_data, "analyses/coref.md"),
             heads.head_map(fixture_data, "analyses/heads.md")]
    for spec in specs:
        for expression in expressions(spec):
            for word in example["words"]:
                assert len(word) < 4 or word not in expression  # "." is in any expression
