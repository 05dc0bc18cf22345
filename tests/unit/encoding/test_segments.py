"""The segment builder of SPEC section 1, with a one-id-per-word fake tokenizer."""

import json

import pytest

from generator.encoding.segments import build_segments, load_segments_json
from generator.encoding.special_tokens import SpecialTemplate
from generator.errors import HeadAtlasError

CLS, SEP = 101, 102
TEMPLATE = SpecialTemplate(
    single_parts=(("special", CLS, 0), ("A", -1, 0), ("special", SEP, 0)),
    pair_parts=(("special", CLS, 0), ("A", -1, 0), ("special", SEP, 0), ("B", -1, 1),
                ("special", SEP, 1)),
)


class FakeTokenizer:
    """Each whitespace word is one wordpiece whose id is the word's number (w12 -> 12)."""

    unk_token_id, unk_token, sep_token_id, eos_token_id = 100, "[UNK]", SEP, None

    def __call__(self, texts, add_special_tokens=False):
        if isinstance(texts, str):
            return {"input_ids": [int(w[1:]) for w in texts.split()]}
        return {"input_ids": [[int(w[1:]) for w in t.split()] for t in texts]}

    def convert_tokens_to_ids(self, tokens):
        table = {"[CLS]": CLS, "[SEP]": SEP}
        return [table.get(t, int(t[1:]) if t[1:].isdigit() else 100) for t in tokens]


def doc(start, sentences, words=4):
    """``sentences`` sentences of ``words`` words, numbered from ``start``."""
    return [" ".join(f"w{start + s * words + k}" for k in range(words)) for s in range(sentences)]


def split_at_seps(ids):
    first = ids.index(SEP)
    return ids[1:first], ids[first + 1:-1]


def sentences(start, lengths):
    """One sentence per length, words numbered consecutively from ``start``."""
    out, n = [], start
    for k in lengths:
        out.append(" ".join(f"w{n + i}" for i in range(k)))
        n += k
    return out


def test_gather_cut_truncate():
    docs = [doc(1000, 12), doc(2000, 3), doc(3000, 1)]
    segs, report = build_segments(docs, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=100,
                                  seed=0, keep_short=True)
    # doc 0: 12 sentences of 4 -> chunks of 5 sentences (20 >= 17), 5 (20), then 2 left (8)
    # doc 1: 3 sentences (12 < 17, end of document) -> one segment; doc 2: one sentence, dropped
    assert report.candidates == 4 and report.dropped_single_sentence == 1
    assert report.dropped_short == 0
    for s in segs:
        assert len(s) <= 20
        assert s.input_ids[0] == CLS and s.input_ids[-1] == SEP
        a, b = split_at_seps(list(s.input_ids))
        assert a and b
        first_sep = s.input_ids.index(SEP)
        assert s.token_type_ids == tuple([0] * (first_sep + 1) + [1] * (len(s) - first_sep - 1))
    # the first chunk holds sentences 0-4 (ids 1000..1019); after truncation to 17 pieces,
    # A and B are contiguous runs of those ids, A before B, cut at a sentence boundary
    a, b = split_at_seps(list(segs[0].input_ids))
    assert len(a) + len(b) == 17
    assert a == list(range(a[0], a[0] + len(a))) and b == list(range(b[0], b[0] + len(b)))
    assert b[0] % 4 == 0 and (b[0] - 1000) // 4 >= 1
    # the short chunks are not truncated
    a3, b3 = split_at_seps(list(segs[3].input_ids))
    assert sorted(a3 + b3) == list(range(2000, 2012))


def test_short_last_chunks_dropped_by_default():
    # limit = 20 - 3 = 17 pieces. doc 0 (12 sentences of 4): sentences 0-4 (20), 5-9 (20), then
    # 10-11 (8 < 17 at the document's end): dropped short. doc 1 (3 of 4 = 12): dropped short.
    # doc 2 (one sentence): dropped as a single sentence, not counted as short.
    # doc 3 (lengths 4, 4, 4, 5): 17 pieces exactly at the last sentence: full, kept.
    # doc 4 (lengths 9, 9, 2, 3): 18 after two sentences -> kept; then 2 + 3 = 5: dropped short.
    docs = [doc(1000, 12), doc(2000, 3), doc(3000, 1), sentences(4000, [4, 4, 4, 5]),
            sentences(5000, [9, 9, 2, 3])]
    segs, report = build_segments(docs, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=100,
                                  seed=0)
    assert (report.candidates, report.selected) == (4, 4)
    assert (report.dropped_short, report.dropped_single_sentence) == (3, 1)
    assert (report.documents, report.sentences) == (5, 12 + 3 + 1 + 4 + 4)
    spans = [(1000, 1020), (1020, 1040), (4000, 4017), (5000, 5018)]
    for s, (lo, hi) in zip(segs, spans, strict=True):
        a, b = split_at_seps(list(s.input_ids))
        assert len(a) + len(b) == 17
        assert set(a + b) <= set(range(lo, hi))
    # doc 3 fits exactly: no truncation, every piece is there
    a, b = split_at_seps(list(segs[2].input_ids))
    assert a + b == list(range(4000, 4017))

    kept, report = build_segments(docs, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=100,
                                  seed=0, keep_short=True)
    assert (report.candidates, report.dropped_short, report.dropped_single_sentence) == (7, 0, 1)
    # in corpus order: doc 0's two full chunks and its short tail, doc 1, doc 3, doc 4's two
    assert [s.source for s in kept] == [f"document {d}" for d in (0, 0, 0, 1, 3, 4, 4)]
    pieces = [sorted(sum(split_at_seps(list(s.input_ids)), [])) for s in kept]
    spans = [(1000, 1020), (1020, 1040), (1040, 1048), (2000, 2012), (4000, 4017), (5000, 5018),
             (5018, 5023)]
    for got, (lo, hi) in zip(pieces, spans, strict=True):
        assert set(got) <= set(range(lo, hi))
    # the short chunks are whole (not truncated)
    assert [pieces[k] for k in (2, 3, 6)] == [list(range(*spans[k])) for k in (2, 3, 6)]


def test_dropped_chunk_draws_no_cut():
    # Each document: 5 sentences of 4 (20 >= 17: kept, truncated to 17) and 2 more (8: dropped).
    # Without the tails the kept chunks and the rng draws are the same, so the segments must be.
    full = [doc(1000 * k, 7) for k in range(1, 9)]
    heads = [d[:5] for d in full]
    for seed in range(5):
        dropped, report = build_segments(full, FakeTokenizer(), TEMPLATE, max_len=20,
                                         max_segments=6, seed=seed)
        plain, _ = build_segments(heads, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=6,
                                  seed=seed)
        assert report.dropped_short == 8 and report.candidates == 8
        assert dropped == plain


def test_only_short_documents_say_why():
    docs = [doc(1, 3), doc(100, 2), doc(200, 1)]
    with pytest.raises(HeadAtlasError, match=r"no segment: 3 document\(s\), 6 sentence\(s\); "
                                             r"1 chunk\(s\) of a single sentence .*; 2 chunk\(s\) "
                                             r"under 17 wordpieces .*--keep-short-segments"):
        build_segments(docs, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=5, seed=0)
    segs, report = build_segments(docs, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=5,
                                  seed=0, keep_short=True)
    assert len(segs) == 2 and report.dropped_short == 0


def test_seeded_and_zero_types():
    docs = [doc(1000 * k, 9) for k in range(1, 20)]
    one, _ = build_segments(docs, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=10, seed=5)
    two, _ = build_segments(docs, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=10, seed=5)
    other, _ = build_segments(docs, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=10,
                              seed=6)
    assert one == two and one != other
    assert len(one) == 10
    # sampled segments keep corpus order
    assert [s.input_ids[1] for s in one] == sorted(s.input_ids[1] for s in one)
    zeros, _ = build_segments(docs, FakeTokenizer(), TEMPLATE, max_len=20, max_segments=3,
                              seed=5, zero_types=True)
    assert all(set(s.token_type_ids) == {0} for s in zeros)


def test_empty_corpus_is_an_error():
    with pytest.raises(HeadAtlasError, match="no segment") as e:
        build_segments([doc(1, 1)], FakeTokenizer(), TEMPLATE, max_len=20, max_segments=5, seed=0)
    assert "single sentence" in str(e.value) and "keep-short" not in str(e.value)


def test_segments_json(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps([
        {"tokens": ["[CLS]", "w5", "w6", "[SEP]", "w7", "[SEP]"]},
        {"text": "w1 w2 w3"},
        {"tokens": ["[CLS]"] + ["w1"] * 30 + ["[SEP]"]},
    ]))
    segs, report = load_segments_json(f, FakeTokenizer(), TEMPLATE, max_len=16, max_segments=10)
    assert [list(s.input_ids) for s in segs] == [[CLS, 5, 6, SEP, 7, SEP], [CLS, 1, 2, 3, SEP]]
    assert segs[0].token_type_ids == (0, 0, 0, 0, 1, 1)
    assert report.skipped_too_long == 1


@pytest.mark.parametrize("content, message", [
    ("[1, 2", r"s.json:1: invalid JSON"),
    ("{}", "expected a non-empty JSON list"),
    ('[{"words": []}]', r'segment 0\): each segment needs "tokens" or "text"'),
])
def test_segments_json_errors(tmp_path, content, message):
    f = tmp_path / "s.json"
    f.write_text(content)
    with pytest.raises(HeadAtlasError, match=message):
        load_segments_json(f, FakeTokenizer(), TEMPLATE, max_len=16, max_segments=10)
