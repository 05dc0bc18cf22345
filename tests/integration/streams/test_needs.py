"""The streams that reuse the general stream take its parts as arguments and read nothing again."""

from __future__ import annotations

import generator.streams.syntax as syntax
from generator.config import BuildConfig
from generator.model.loading import load_model
from generator.streams.general import prepare_general
from generator.streams.gradients import prepare_gradients
from tests.helpers import SAMPLE_TEXT


def test_syntax_and_gradients_take_the_general_streams_parts(tiny_bert, tmp_path, monkeypatch):
    text = tmp_path / "corpus.txt"
    text.write_text(SAMPLE_TEXT * 3)
    config = BuildConfig(model=str(tiny_bert), text=text, max_len=24, gradient_segments=3,
                         out=tmp_path / "out", cache=False)
    lm = load_model(config.model)
    general = prepare_general(config, lm)
    assert general.text is not None and general.text.description == "plain text corpus.txt"
    assert len(general.segments) > 3
    text.unlink()  # read again, it would fail now

    parsed = []

    def parse(config, documents, inputs):  # spaCy is not what this test is about
        parsed.append((documents, inputs))
        return [], 0

    monkeypatch.setattr(syntax, "parsed_sentences", parse)
    stream = syntax.prepare_syntax(config, lm, general_text=general.text)
    assert parsed == [(general.text.documents, general.inputs)]
    assert parsed[0][0] is general.text.documents
    assert stream.header == {"syntax_corpus": {
        "description": "plain text corpus.txt, 0 sentences parsed", "sentences_read": 0}}
    assert stream.inputs == general.inputs

    sample = prepare_gradients(config, lm, general_segments=general.segments,
                               general_header=general.header, general_inputs=general.inputs)
    assert len(sample.segments) == 3
    assert [general.segments[i] for i in sample.lends.positions] == sample.segments
    assert sample.lends.positions == sorted(set(sample.lends.positions))
    corpus = sample.header["corpus"]
    assert corpus["description"] == "plain text corpus.txt"
    assert (corpus["segments"], corpus["sampled_from"]) == (3, len(general.segments))
    assert corpus["tokens"] == sum(len(s) for s in sample.segments)
    assert sample.inputs == general.inputs
    assert prepare_gradients(config, lm, general_segments=None, general_header=None,
                             general_inputs=None) is None
