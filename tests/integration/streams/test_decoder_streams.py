"""The decoder-only streams (SPEC section 11): synthetic repeated sequences for the induction
scores, and the general sample without BOS for the sink position."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from generator.config import BuildConfig
from generator.encoding.segment import Segment
from generator.model.loading import load_model
from generator.streams.no_bos import prepare_no_bos
from generator.streams.synthetic import allowed_token_ids, prepare_synthetic
from generator.synthetic import SyntheticLayout


@pytest.fixture(scope="module")
def gpt2(tiny_decoder_dir):
    return load_model(str(tiny_decoder_dir("gpt2")), decoders=True)


def test_synthetic_sequences_repeat_random_ordinary_tokens(gpt2, tmp_path):
    stream = prepare_synthetic(BuildConfig(out=tmp_path), gpt2)
    bos = gpt2.tokenizer.eos_token_id  # GPT-2 style: <|endoftext|> is BOS and EOS
    assert stream.data == SyntheticLayout(repeat_length=50, offset=1)
    assert stream.header == {} and stream.inputs == {}  # nothing to merge over general.json
    assert len(stream.segments) == 100
    specials = set(gpt2.tokenizer.all_special_ids)
    for s in stream.segments:
        ids = s.input_ids
        assert len(ids) == 101 and ids[0] == bos
        assert ids[1:51] == ids[51:]  # position i of the second copy repeats i - 50
        assert not specials & set(ids[1:])
        assert set(s.token_type_ids) == {0} and set(s.word_ids) == {-1}
    # seeded: the same seed gives the same sequences, another seed others
    again = prepare_synthetic(BuildConfig(out=tmp_path), gpt2)
    other = prepare_synthetic(BuildConfig(out=tmp_path, seed=1), gpt2)
    assert again.segments == stream.segments != other.segments


def test_synthetic_sequences_without_bos(gpt2, tmp_path):
    stream = prepare_synthetic(BuildConfig(out=tmp_path, bos="off"), gpt2)
    assert stream.data == SyntheticLayout(repeat_length=50, offset=0)
    assert all(len(s) == 100 and s.input_ids[:50] == s.input_ids[50:] for s in stream.segments)


def test_a_short_context_gets_the_longest_repeat_that_fits(gpt2, tmp_path):
    small = SimpleNamespace(tokenizer=gpt2.tokenizer, model=gpt2.model, max_positions=41,
                            name="small")
    stream = prepare_synthetic(BuildConfig(out=tmp_path), small)
    assert stream.data == SyntheticLayout(repeat_length=20, offset=1)  # 1 + 2 * 20 <= 41
    assert {len(s) for s in stream.segments} == {41}


def test_added_and_special_tokens_are_never_drawn(tiny_decoder_dir):
    lm = load_model(str(tiny_decoder_dir("llama")), decoders=True)
    tokenizer = lm.tokenizer
    size = len(tokenizer)
    tokenizer.add_tokens(["<extra_marker>"])
    tokenizer.add_special_tokens({"additional_special_tokens": ["<chat>"]})
    added = {tokenizer.convert_tokens_to_ids(t) for t in ("<extra_marker>", "<chat>")}
    allowed = allowed_token_ids(tokenizer, len(tokenizer))
    excluded = set(range(len(tokenizer))) - set(allowed)
    assert excluded == added | {tokenizer.eos_token_id}
    assert len(tokenizer) == size + 2
    assert allowed_token_ids(tokenizer, 5) == [i for i in range(5) if i not in excluded]


def segment(ids: list[int], source: str) -> Segment:
    return Segment(tuple(ids), (0,) * len(ids), (-1,) * len(ids), source)


def test_no_bos_sample_drops_position_zero(gpt2, tmp_path):
    bos = gpt2.tokenizer.eos_token_id
    general = [segment([bos, 5, 6, 7], "a"), segment([5, 6, 7], "no BOS"),
               segment([bos, 8], "too short"), segment([bos, 9, 10], "b"),
               segment([bos, 11, 12, 13, 14], "c")]
    stream = prepare_no_bos(BuildConfig(out=tmp_path), gpt2, general_segments=general)
    assert [s.input_ids for s in stream.segments] == [(5, 6, 7), (9, 10), (11, 12, 13, 14)]
    assert [s.source for s in stream.segments] == ["a (no BOS)", "b (no BOS)", "c (no BOS)"]
    assert stream.header == {} and stream.inputs == {}
    sample = prepare_no_bos(BuildConfig(out=tmp_path, sink_sample=2), gpt2,
                            general_segments=general)
    assert len(sample.segments) == 2
    assert set(s.input_ids for s in sample.segments) < {(5, 6, 7), (9, 10), (11, 12, 13, 14)}
    again = prepare_no_bos(BuildConfig(out=tmp_path, sink_sample=2), gpt2,
                           general_segments=general)
    assert again.segments == sample.segments
    for config in (BuildConfig(out=tmp_path, bos="off"), BuildConfig(out=tmp_path,
                                                                     sink_sample=0)):
        assert prepare_no_bos(config, gpt2, general_segments=general) is None
    assert prepare_no_bos(BuildConfig(out=tmp_path), gpt2, general_segments=None) is None
    assert prepare_no_bos(BuildConfig(out=tmp_path), gpt2,
                          general_segments=[general[1]]) is None


def test_syntax_and_coref_segments_are_bos_and_words(gpt2, tmp_path):
    """A decoder's word-level streams: BOS, then the words' pieces, nothing after."""
    from generator.streams.coref import prepare_coref
    from generator.streams.syntax import prepare_syntax
    from tests.integration.analyses.test_coref_build import CONLLU

    coref = tmp_path / "coref.conllu"
    coref.write_text(CONLLU)
    config = BuildConfig(out=tmp_path, treebank=(Path("tests/fixtures/syntax_small.conllu"),),
                         coref=coref)
    bos = gpt2.tokenizer.eos_token_id
    syntax = prepare_syntax(config, gpt2)
    windows = prepare_coref(config, gpt2)
    for stream in (syntax, windows):
        assert stream.segments
        for s in stream.segments:
            assert s.input_ids[0] == bos and s.word_ids[0] == -1
            assert -1 not in s.word_ids[1:]  # every later token belongs to a word
            assert s.word_ids[-1] == len(s.words) - 1
    first = syntax.segments[0]
    text = " ".join(first.words)
    assert list(first.input_ids[1:]) == gpt2.tokenizer(text, add_special_tokens=False)[
        "input_ids"]
