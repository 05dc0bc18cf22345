"""The CoNLL-2012 reader: documents, sentences, coreference brackets and parsed heads."""

from __future__ import annotations

import pytest

from generator.corpus.conll2012 import is_conll2012, read_conll2012
from generator.errors import HeadAtlasError


def rows(doc, words):
    """words: (form, xpos, coref) -> CoNLL-2012 lines of one sentence."""
    return [f"{doc}  0  {i}  {form}  {xpos}  *  -  -  -  Speaker#1  *  {coref}"
            for i, (form, xpos, coref) in enumerate(words)]


def write(path, body):
    path.write_text("\n".join(body) + "\n")
    return path


def chain_parse(words, xpos):
    """A fake parser: every word depends on the last word of its sentence (the root)."""
    n = len(words)
    return [(n - 1 if i < n - 1 else -1, "dep", {"Number": "Sing"} if xpos[i] == "NN" else {})
            for i in range(n)]


DOC = [
    "#begin document (bc/test/00/t_0000); part 000",
    *rows("bc/test/00/t_0000", [("The", "DT", "(1"), ("old", "JJ", "-"), ("man", "NN", "1)"),
                                ("slept", "VBD", "-")]),
    "",
    *rows("bc/test/00/t_0000", [("He", "PRP", "(1)|(2"), ("dreamt", "VBD", "2)")]),
    "",
    "#end document",
    "#begin document (bc/test/00/t_0000); part 001",
    *rows("bc/test/00/t_0000", [("It", "PRP", "(1)"), ("rained", "VBD", "-")]),
    "",
    "#end document",
]


def test_documents_mentions_and_heads(tmp_path):
    f = write(tmp_path / "t.v4_gold_conll", DOC)
    assert is_conll2012(f)
    corpus = read_conll2012(f, chain_parse)
    assert corpus.format == "conll2012"
    assert [d.doc_id for d in corpus.documents] == ["bc/test/00/t_0000_part000",
                                                    "bc/test/00/t_0000_part001"]
    first = corpus.documents[0]
    assert [len(s) for s in first.sentences] == [4, 2]
    # heads from the parse: every word points at "slept", outside "The old man": head = "The"
    assert [(m.entity, m.start, m.end, m.head) for m in first.mentions] == [
        ("1", 0, 2, 0), ("2", 4, 5, 5), ("1", 4, 4, 4)]
    word = first.sentences[0].words[2]
    assert (word.form, word.xpos, word.feats) == ("man", "NN", {"Number": "Sing"})
    assert corpus.entity_sizes() == {(0, "1"): 2, (0, "2"): 1, (1, "1"): 1}


@pytest.mark.parametrize("change, message", [
    (lambda d: [x.replace("1)", "3)") if "man" in x else x for x in d],
     r"coreference closes 3\) with no open mention"),
    (lambda d: [x.replace("2)", "-") if "dreamt" in x else x for x in d], "never closed"),
    (lambda d: d[:-4], "document never ends"),
    (lambda d: [x.replace("(1)|(2", "(1)|2") for x in d], "cannot read coreference item"),
    (lambda d: [x.replace("  Speaker#1", "") for x in d], "expected at least 12 columns"),
])
def test_broken_input_names_file_and_line(tmp_path, change, message):
    f = write(tmp_path / "b_conll", change(DOC))
    with pytest.raises(HeadAtlasError, match=message) as err:
        read_conll2012(f, chain_parse)
    assert str(err.value).startswith(f"{f}:")


def test_conllu_is_not_conll2012(tmp_path):
    f = write(tmp_path / "x.conllu", ["# newdoc id = a", "1\tA\ta\tX\tX\t_\t0\troot\t_\t_"])
    assert not is_conll2012(f)
