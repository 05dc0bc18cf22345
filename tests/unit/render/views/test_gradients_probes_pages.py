"""The Figure 3 and Table 3 pages and the head sections, from the hand-made fixture."""

from __future__ import annotations

import copy
from pathlib import Path

from generator.render.pages import render_pages
from generator.render.site_data import SiteData


def _render(data: SiteData, tmp_path: Path) -> Path:
    render_pages(data, tmp_path)
    return tmp_path


def test_gradient_page_names_the_objective_and_counts(fixture_data: SiteData,
                                                      tmp_path: Path) -> None:
    page = (_render(fixture_data, tmp_path) / "analyses" / "gradients.md").read_text()
    assert '!!! info "Objective: representation"' in page
    assert "L = sum over positions t of" in page
    assert "weights were missing &#60;i&#62;x&#60;/i&#62;" in page  # the note, escaped
    assert "over 4 segments of hand&#45;made fixture" in page
    assert "**In the last layer (1), the gradient" in page
    # layer table: sep/other = 4e-6/3e-6 = 1.33, 1e-6/4e-6 = 0.25
    assert "| [0](../layers/L0.md) | 4e-06 | 3e-06 | 3e-06 | 2e-06 | 1.33 |" in page
    assert "| [1](../layers/L1.md) | 1e-06 | 2e-06 | 4e-06 | 3e-06 | 0.25 |" in page
    assert "&#91;SEP&#93; 4, &#34;&#46;&#34; or &#34;,&#34; 3," in page


def test_masked_lm_objective_is_explained(fixture_data: SiteData, tmp_path: Path) -> None:
    docs = dict(fixture_data.documents)
    docs["gradients"] = {**docs["gradients"],
                         "objective": {"name": "masked_lm", "description": "mlm."}}
    page = (_render(SiteData(docs, 2, 3), tmp_path) / "analyses" / "gradients.md").read_text()
    assert '!!! info "Objective: masked-LM"' in page
    assert "80% are replaced" in page and "As recorded: mlm." in page
    assert "Note:" not in page


def test_probe_page_rows_files_and_weights(fixture_data: SiteData, tmp_path: Path) -> None:
    page = (_render(fixture_data, tmp_path) / "analyses" / "probes.md").read_text()
    assert "| Attn | 50.0% | 20 of 40 | 61% |" in page
    assert "| Right&#45;branching | 25.0% | 10 of 40 | 26% |" in page
    assert "the\npaper used GloVe vectors" in page
    # the training file name is corpus-controlled text: escaped
    assert ("| training | corpora/train&#95;&#42;a&#42;&#60;i&#62;1&#60;/i&#62;&#46;conllu | "
            "9 of 10 sampled (12 in the file) | 1 | 60 (52) |") in page
    assert "largest weight 0.900 for\n  [L1-H0](../heads/L1-H0.md)" in page
    assert "largest weight 0.600 for\n  [L1-H2](../heads/L1-H2.md)" in page
    assert "1.500 &times; attention to [CLS] + -0.250 &times; attention to [SEP]" in page


def test_head_sections_show_values_and_ranks(fixture_data: SiteData, tmp_path: Path) -> None:
    page = (_render(fixture_data, tmp_path) / "heads" / "L1-H0.md").read_text()
    # sep grid [[4, 3, 5], [1, .5, 1.5]] e-6: L1-H0's 1e-6 is 5th; layer mean 1e-6; all 2.5e-6
    assert "| &#91;SEP&#93; | 1e-06 | 5 | 1e-06 | 2.5e-06 |" in page
    # cls grid [[1, 2, 3], [6, 1, 2]] e-6: 6e-6 is the largest
    assert "| &#91;CLS&#93; &#40;also in other&#41; | 6e-06 | 1 | 3e-06 | 2.5e-06 |" in page
    # probe weights: dependent_to_head .9 is first; head_to_dependent 0 is 5th of
    # [.1, .4, -.2, 0, .3, .6]; means .75/6 = .125 and 1.2/6 = .2
    assert "| word attends to its head | 0.9000 | 1 | 0.1250 |" in page
    assert "| head attends to its word | 0.0000 | 5 | 0.2000 |" in page
    assert page.index("## Gradient importance") < page.index("## Attention probe weight") < \
        page.index("## Example attention maps")


def test_sections_and_pages_absent_without_the_files(fixture_data: SiteData,
                                                     tmp_path: Path) -> None:
    docs = {k: v for k, v in fixture_data.documents.items() if k not in ("gradients", "probes")}
    out = _render(SiteData(docs, 2, 3), tmp_path)
    assert not (out / "analyses" / "gradients.md").exists()
    assert not (out / "analyses" / "probes.md").exists()
    head = (out / "heads" / "L1-H0.md").read_text()
    assert "Gradient importance" not in head and "probe" not in head


def test_head_sections_quote_the_layer_means_of_gradients_json(fixture_data: SiteData,
                                                              tmp_path: Path) -> None:
    # gradients.json's per_layer is what the head section quotes (not recomputed from per_head)
    docs = copy.deepcopy(fixture_data.documents)
    docs["gradients"]["per_layer"]["sep"] = [7e-6, 8e-6]
    page = (_render(SiteData(docs, 2, 3), tmp_path) / "heads" / "L1-H0.md").read_text()
    assert "| &#91;SEP&#93; | 1e-06 | 5 | 8e-06 | 2.5e-06 |" in page
    del docs["gradients"]["per_layer"]  # results without it: no layer mean, nothing invented
    page = (_render(SiteData(docs, 2, 3), tmp_path / "old") / "heads" / "L1-H0.md").read_text()
    assert "| &#91;SEP&#93; | 1e-06 | 5 | n/a | 2.5e-06 |" in page
