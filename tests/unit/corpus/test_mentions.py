"""Mention head words: the word of the span whose syntactic head lies outside it."""

from __future__ import annotations

from generator.corpus.conllu import Sentence, Word
from generator.corpus.mentions import document_heads, span_head


def sentence(heads):
    words = tuple(Word(f"w{i}", "", "X", "X", {}, h, "dep", "_", i) for i, h in enumerate(heads))
    return Sentence(words, None, None, None, 0)


def test_head_of_a_subtree():
    # the(0)->dog(1), dog->barked(2, root), at(3)->cats(5), the(4)->cats, cats->barked
    heads = [1, 2, -1, 5, 5, 2]
    assert span_head(heads, 0, 1) == 1  # "the dog"
    assert span_head(heads, 3, 5) == 5  # "at the cats"
    assert span_head(heads, 0, 5) == 2  # the whole sentence: the root
    assert span_head(heads, 4, 4) == 4  # one word


def test_not_a_subtree_takes_the_first_word_pointing_outside():
    heads = [1, 2, -1, 5, 5, 2]
    assert span_head(heads, 3, 4) == 3  # at -> cats and the -> cats, both outside: at
    assert span_head(heads, 2, 4) == 2  # barked is the root


def test_document_heads_offset_and_roots():
    doc = [sentence([1, -1]), sentence([-1, 0, 0])]
    assert document_heads(doc) == [1, -1, -1, 2, 2]
    # a span across the sentence boundary: the first word whose head lies outside
    assert span_head(document_heads(doc), 1, 3) == 1
