import pytest

from generator.corpus.words import encode_words
from generator.model.loading import load_model


@pytest.mark.parametrize("kind", ["bert", "roberta", "albert", "mpnet"])
def test_words_align_to_pieces(tiny_model_dir, kind):
    lm = load_model(str(tiny_model_dir(kind)))
    words = ["The", "cats", "went", "to", "London", "."]
    seg = encode_words(words, lm.tokenizer, lm.template, max_len=64)
    assert seg is not None
    # specials first and last, with no word
    assert seg.word_ids[0] == -1 and seg.word_ids[-1] == -1
    assert seg.input_ids[0] == lm.roles.cls_id
    assert seg.input_ids[-1] in lm.roles.sep_ids
    inner = seg.word_ids[1:-1]
    assert -1 not in inner
    # every word has at least one piece, in order
    assert sorted(set(inner)) == list(range(len(words)))
    assert list(inner) == sorted(inner)
    # decoding each word's pieces gives the word back (modulo case and spaces)
    for w, word in enumerate(words):
        ids = [t for t, wi in zip(seg.input_ids, seg.word_ids, strict=True) if wi == w]
        text = lm.tokenizer.decode(ids).replace(" ", "").lower()
        assert text == word.lower() or "unk" in text


def test_too_long_is_none(tiny_bert):
    lm = load_model(str(tiny_bert))
    assert encode_words(["the"] * 20, lm.tokenizer, lm.template, max_len=21) is None
    assert encode_words(["the"] * 19, lm.tokenizer, lm.template, max_len=21) is not None
