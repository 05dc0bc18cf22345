"""The Entity= parser (CorefUD brackets) and mentions read from CoNLL-U."""

from __future__ import annotations

import pytest

from generator.corpus.entities import Bracket, parse_entity, read_entity_conllu
from generator.errors import HeadAtlasError


def conllu(path, sentences, doc="d1"):
    """Write sentences of (form, xpos, head (1-based), Entity= value or "") rows as CoNLL-U."""
    lines = [f"# newdoc id = {doc}"]
    for sentence in sentences:
        for i, (form, xpos, head, entity) in enumerate(sentence, start=1):
            misc = f"Entity={entity}" if entity else "_"
            lines.append(f"{i}\t{form}\t{form}\tX\t{xpos}\t_\t{head}\tdep\t_\t{misc}")
        lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_one_word_mention():
    assert parse_entity("(3-person-giv:act-sssss-cf1-1-ana-Lord_Byron)") == [
        Bracket("3", True, True, None, "person-giv:act-sssss-cf1-1-ana-Lord_Byron")]


def test_chained_open_then_one_word():
    got = parse_entity("(1-abstract-new-nnnnn-cf1-1,3-sgl(2-object-new-nnnnn-cf2-1-coref)")
    assert [(b.entity, b.opens, b.closes) for b in got] == [("1", True, False), ("2", True, True)]
    assert got[0].attrs == "abstract-new-nnnnn-cf1-1,3-sgl"


def test_several_closes_and_close_then_open():
    got = parse_entity("12)3)(4-place-new")
    assert [(b.entity, b.opens, b.closes) for b in got] == [
        ("12", False, True), ("3", False, True), ("4", True, False)]


def test_discontinuous_parts_and_escaped_attributes():
    got = parse_entity("(e5[1/2]-person-Trinity_College%2C_Cambridge(e6-x)e5[1/2])")
    assert got == [Bracket("e5", True, False, (1, 2), "person-Trinity_College%2C_Cambridge"),
                   Bracket("e6", True, True, None, "x"), Bracket("e5", False, True, (1, 2))]


@pytest.mark.parametrize("value", ["(", "((3-x", "3", "-3)", "(3-x))("])
def test_unreadable_values(value):
    with pytest.raises(HeadAtlasError, match="cannot read Entity="):
        parse_entity(value, path="f.conllu", line=7)


def test_nested_and_chained_mentions_with_heads(tmp_path):
    # [The man [who]] saw [his [dog]] . [He] smiled .   entity 1 = the man, his, he
    f = conllu(tmp_path / "a.conllu", [
        [("The", "DT", 2, "(1-person"), ("man", "NN", 4, ""), ("who", "WP", 2, "(9-person)1)"),
         ("saw", "VBD", 0, ""), ("his", "PRP$", 6, "(2-animal(1-person)"),
         ("dog", "NN", 4, "(3-animal)2)"), (".", ".", 4, "")],
        [("He", "PRP", 2, "(1-person)"), ("smiled", "VBD", 0, ""), (".", ".", 2, "")],
    ])
    corpus = read_entity_conllu(f)
    (doc,) = corpus.documents
    got = [(m.entity, m.start, m.end, m.head) for m in doc.mentions]
    # "who" hangs off "man", inside the span 0..2, so the head of "The man who" is "man" (1)
    assert got == [("1", 0, 2, 1), ("9", 2, 2, 2), ("2", 4, 5, 5), ("1", 4, 4, 4),
                   ("3", 5, 5, 5), ("1", 7, 7, 7)]
    assert corpus.discontinuous == 0
    assert corpus.entity_sizes()[(0, "1")] == 3


def test_discontinuous_mentions_skipped_and_counted(tmp_path):
    f = conllu(tmp_path / "d.conllu", [[
        ("A", "DT", 2, "(e1[1/2]-thing"), ("cat", "NN", 0, "e1[1/2])"),
        ("and", "CC", 4, "(e2-thing)"), ("dog", "NN", 2, "(e1[2/2]-thing)"),
    ]])
    corpus = read_entity_conllu(f)
    assert [(m.entity, m.start, m.end) for m in corpus.documents[0].mentions] == [("e2", 2, 2)]
    assert corpus.discontinuous == 1


def test_entity_ids_are_local_to_documents(tmp_path):
    text = conllu(tmp_path / "x", [[("It", "PRP", 0, "(1-x)")]], doc="a").read_text()
    text += conllu(tmp_path / "y", [[("It", "PRP", 0, "(1-x)")]], doc="b").read_text()
    f = tmp_path / "two.conllu"
    f.write_text(text)
    corpus = read_entity_conllu(f)
    assert [d.doc_id for d in corpus.documents] == ["a", "b"]
    assert corpus.entity_sizes() == {(0, "1"): 1, (1, "1"): 1}


def test_close_without_open_names_file_and_line(tmp_path):
    f = conllu(tmp_path / "b.conllu", [[("A", "DT", 2, ""), ("cat", "NN", 0, "4)")]])
    with pytest.raises(HeadAtlasError) as err:
        read_entity_conllu(f)
    assert str(err.value) == f"{f}:3: Entity= closes 4) with no open mention of it"


def test_unclosed_mention_at_document_end(tmp_path):
    f = conllu(tmp_path / "u.conllu", [[("A", "DT", 2, "(4-x"), ("cat", "NN", 0, "")],
                                       [("It", "PRP", 0, "(4-x)")]])
    with pytest.raises(HeadAtlasError) as err:
        read_entity_conllu(f)
    assert str(err.value).startswith(f"{f}:2: mention of entity 4 opened here is never closed")


def test_bad_value_error_names_line(tmp_path):
    f = conllu(tmp_path / "v.conllu", [[("A", "DT", 2, ""), ("cat", "NN", 0, "(4-x))(")]])
    with pytest.raises(HeadAtlasError, match=r"v\.conllu:3: cannot read Entity="):
        read_entity_conllu(f)
