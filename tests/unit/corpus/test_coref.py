"""Choosing the coreference reader by content, and refusing files without coreference."""

from __future__ import annotations

import pytest

from generator.corpus.coref import corpus_summary, read_coref
from generator.errors import HeadAtlasError

ROW = "1\tIt\tit\tPRON\tPRP\t_\t0\troot\t_\t{}\n"


def test_conllu_with_entities(tmp_path):
    f = tmp_path / "a.conllu"
    f.write_text("# newdoc id = a\n" + ROW.format("Entity=(1-x)") + "\n"
                 + ROW.format("Entity=(1-x)") + "\n")
    corpus = read_coref(f, "unused")
    assert corpus_summary(corpus) == {
        "file": "a.conllu", "format": "conllu", "documents": 1, "sentences": 2, "words": 2,
        "mentions": 2, "entities": 1, "entities_with_several_mentions": 1}


def test_file_without_coreference_is_refused(tmp_path):
    f = tmp_path / "ewt.conllu"
    f.write_text(ROW.format("_") + "\n")
    with pytest.raises(HeadAtlasError) as err:
        read_coref(f, "unused")
    assert str(err.value) == f"{f}: no coreference mentions found (no Entity= in MISC)"
