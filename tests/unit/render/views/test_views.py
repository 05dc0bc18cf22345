"""The registry of views: home-page sentences of every view together, against the fixture's
values worked out by hand, and what the views give the templates."""

from __future__ import annotations

import pytest

from generator.render import pages
from generator.render.pages import make_environment, templates_dir
from generator.render.site_data import SiteData
from generator.render.views import VIEWS, View, findings, heads, template_globals
from generator.vocabulary import METRIC_NAMES


def test_findings_name_the_right_layers_and_heads(fixture_data: SiteData) -> None:
    text = "\n".join(findings(fixture_data))
    # sep layer means: (.03+.1+.1)/3 = .077, (.65+.1+.05)/3 = .267 -> layer 1
    assert "Attention to [SEP] peaks in layer 1, where heads give it 27%" in text
    # cls: (.05+.1+.7)/3 = .283 vs (.1+.05+.05)/3 = .067 -> layer 0
    assert "Attention to [CLS] peaks in layer 0, where heads give it 28%" in text
    assert "strongest previous-token head is [L0-H0](heads/L0-H0.md), with 80%" in text
    assert "1 head put over half there" in text
    assert "strongest next-token head is [L1-H1](heads/L1-H1.md), with 60%" in text
    assert "broadest head is [L0-H1](heads/L0-H1.md), with an entropy of 3.90 nats" in text
    assert "1 of 6 heads exceed the paper's 3.8 nats" in text
    # last layer cls entropy mean (2.5 + 3.5 + 3.95) / 3 = 3.3167
    assert "[CLS] token's attention has an entropy of 3.32 nats" in text


def test_findings_from_coref_and_head_distances(fixture_data: SiteData) -> None:
    text = "\n".join(findings(fixture_data))
    assert ("The best coreference head, [L1-H0](heads/L1-H0.md), links 60% of mentions to a "
            "correct antecedent (nearest-mention baseline: 30%).") in text
    # same-layer pairs 2.79 / 6 = 0.465; across layers 3.11 / 9 = 0.346
    assert ("Heads of the same layer sit no closer together than heads of different layers on "
            "the [head map](analyses/heads.md): mean distance 0.465 vs 0.346.") in text


def test_home_findings_gain_one_sentence_each(fixture_data: SiteData) -> None:
    text = findings(fixture_data)
    assert sum("through attention to [SEP]" in s for s in text) == 1
    assert sum("Attn probe" in s for s in text) == 1
    general_only = SiteData({k: v for k, v in fixture_data.documents.items()
                             if k not in ("gradients", "probes")}, 2, 3)
    assert len(findings(general_only)) == len(text) - 2


def test_every_template_folder_belongs_to_a_view() -> None:
    # templates/F/{page,head,layer}.md.j2, F a registered view; a page needs its title; a
    # decoder variant <kind>-decoder.md.j2 only beside its <kind>.md.j2
    root = templates_dir()
    folders = {p.name for p in root.iterdir() if p.is_dir()}
    assert folders == {view.results for view in VIEWS}
    assert len(VIEWS) == len(folders)  # one view per results file
    for view in VIEWS:
        kinds = {p.name for p in (root / view.results).iterdir()}
        plain = {"page.md.j2", "head.md.j2", "layer.md.j2"}
        variants = {name.replace(".md.j2", "-decoder.md.j2") for name in kinds & plain}
        assert kinds <= plain | variants, view.results
        assert (view.title is not None) == ("page.md.j2" in kinds), view.results


def test_view_template_globals_may_not_clash() -> None:
    one, other = object(), object()
    same = template_globals([View("a", globals={"x": one}), View("b", globals={"x": one})])
    assert same == {"x": one}  # the very same object from two views is fine
    with pytest.raises(ValueError, match="'x' defined by two views .*: b"):
        template_globals([View("a", globals={"x": one}), View("b", globals={"x": other})])
    env = make_environment()
    assert env.globals["heads_view"] is heads.VIEW.globals["heads_view"]
    assert env.globals["METRIC_NAMES"] is METRIC_NAMES


def test_findings_come_only_from_present_views(fixture_data: SiteData) -> None:
    # without heads.json the head-map sentence is left out, the others stay in order
    docs = {k: v for k, v in fixture_data.documents.items() if k != "heads"}
    text = findings(SiteData(docs, 2, 3))
    assert not any("head map" in s for s in text)
    assert len(text) == len(findings(fixture_data)) - 1
    assert findings(fixture_data)[:len(text)] == text  # heads' sentence comes last


def test_a_view_global_may_not_hide_the_environments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pages, "template_globals", lambda: {"head_label": str, "y": 1})
    with pytest.raises(ValueError, match=r"hide the environment's: \['head_label'\]"):
        pages.make_environment()
