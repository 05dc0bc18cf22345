"""A decoder's general segments (SPEC section 11), with the one-id-per-word fake tokenizer: a
document's sentences gathered to max_len tokens (BOS counted), no A/B split, the tail cut off."""

import json

import pytest

from generator.encoding.segments import build_decoder_segments, load_segments_json
from generator.encoding.special_tokens import SpecialTemplate
from generator.errors import HeadAtlasError
from tests.unit.encoding.test_segments import FakeTokenizer, doc, sentences

BOS = 7


class FakeDecoderTokenizer(FakeTokenizer):
    bos_token_id, eos_token_id, sep_token_id = BOS, None, None


TOKENIZER = FakeDecoderTokenizer()
WITH_BOS = SpecialTemplate.for_decoder(TOKENIZER, "on")
NO_BOS = SpecialTemplate.for_decoder(TOKENIZER, "off")


def build(docs, template=WITH_BOS, max_len=20, max_segments=100, seed=0, keep_short=False):
    return build_decoder_segments(docs, TOKENIZER, template, max_len=max_len,
                                  max_segments=max_segments, seed=seed, keep_short=keep_short)


def test_sentences_gathered_to_max_len_with_bos_counted():
    # limit = 20 - 1 (BOS) = 19. doc 0 (12 sentences of 4): 0-4 (20 >= 19, cut to 19), 5-9
    # (cut to 19), 10-11 (8 < 19 at the end): dropped short. doc 1: one sentence of 25 words,
    # a segment alone (no A/B cut is needed), cut to 19. doc 2 (4, 4, 4, 7 = 19): exact, kept
    # whole. doc 3 (3 of 4 = 12): dropped short.
    docs = [doc(1000, 12), sentences(2000, [25]), sentences(3000, [4, 4, 4, 7]), doc(4000, 3)]
    segs, report = build(docs)
    assert [list(s.input_ids) for s in segs] == [
        [BOS, *range(1000, 1019)], [BOS, *range(1020, 1039)], [BOS, *range(2000, 2019)],
        [BOS, *range(3000, 3019)]]
    assert [s.source for s in segs] == ["document 0", "document 0", "document 1", "document 2"]
    assert all(set(s.token_type_ids) == {0} and set(s.word_ids) == {-1} for s in segs)
    assert (report.documents, report.sentences) == (4, 12 + 1 + 4 + 3)
    assert (report.candidates, report.selected) == (4, 4)
    assert (report.dropped_short, report.dropped_single_sentence, report.truncated) == (2, 0, 3)


def test_short_last_chunks_kept_on_request():
    docs = [doc(1000, 12), doc(4000, 3)]
    segs, report = build(docs, keep_short=True)
    assert [list(s.input_ids) for s in segs] == [
        [BOS, *range(1000, 1019)], [BOS, *range(1020, 1039)], [BOS, *range(1040, 1048)],
        [BOS, *range(4000, 4012)]]
    assert report.dropped_short == 0 and report.candidates == 4


def test_without_bos_every_token_is_text():
    segs, report = build([doc(1000, 12)], template=NO_BOS)
    # limit = 20: sentences 0-4 exactly (20), 5-9 (20), 10-11 dropped short
    assert [list(s.input_ids) for s in segs] == [list(range(1000, 1020)),
                                                  list(range(1020, 1040))]
    assert report.truncated == 0 and report.dropped_short == 1


def test_seeded_sample_in_corpus_order():
    docs = [doc(1000 * k, 5) for k in range(1, 20)]
    one, report = build(docs, max_segments=6, seed=3)
    again, _ = build(docs, max_segments=6, seed=3)
    other, _ = build(docs, max_segments=6, seed=4)
    assert one == again and one != other
    assert (report.candidates, report.selected) == (19, 6)
    assert [s.input_ids[1] for s in one] == sorted(s.input_ids[1] for s in one)


def test_no_segment_says_why():
    with pytest.raises(HeadAtlasError, match=r"no segment: 1 document\(s\), 2 sentence\(s\); 1 "
                                             r"chunk\(s\) under 19 wordpieces .*keep-short"):
        build([doc(1, 2)])
    with pytest.raises(HeadAtlasError, match="leaves no room"):
        build([doc(1, 2)], max_len=2)


def test_segments_json_for_a_decoder(tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps([
        {"tokens": ["w7", "w5", "w6"]},  # as given: BOS (id 7) included by the user
        {"tokens": ["w5", "w6"]},  # no BOS: taken as given too
        {"text": "w1 w2 w3"},
        {"text": " ".join(f"w{k}" for k in range(10, 40))},  # 30 words: cut to 19 + BOS
    ]))
    segs, report = load_segments_json(f, TOKENIZER, WITH_BOS, max_len=20, max_segments=10,
                                      zero_types=True)
    assert [list(s.input_ids) for s in segs] == [[BOS, 5, 6], [5, 6], [BOS, 1, 2, 3],
                                                 [BOS, *range(10, 29)]]
    assert all(set(s.token_type_ids) == {0} for s in segs) and report.truncated == 1
    plain, _ = load_segments_json(f, TOKENIZER, NO_BOS, max_len=20, max_segments=10,
                                  zero_types=True)
    assert [list(s.input_ids) for s in plain][2:] == [[1, 2, 3], list(range(10, 30))]
