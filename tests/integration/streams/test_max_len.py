"""--max-len is capped at the model's positions in every stream (general, syntax, coreference),
with one notice: a tiny GPT-2 of 24 positions (absolute position embeddings, so a longer segment
could not run at all) and --max-len 64."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.config import BuildConfig
from generator.model.loading import load_model
from generator.streams.base import max_len_notice, stream_max_len
from generator.streams.coref import prepare_coref
from generator.streams.general import prepare_general
from generator.streams.syntax import prepare_syntax
from tests.helpers import SAMPLE_TEXT, make_tiny_decoder
from tests.integration.analyses.test_coref_build import CONLLU

TREEBANK = Path("tests/fixtures/syntax_small.conllu")
POSITIONS = 24


@pytest.fixture(scope="module")
def short_gpt2(tmp_path_factory) -> Path:
    return make_tiny_decoder(tmp_path_factory.mktemp("short"), "gpt2", positions=POSITIONS)


@pytest.fixture()
def inputs(tmp_path) -> dict[str, Path]:
    text, coref = tmp_path / "corpus.txt", tmp_path / "coref.conllu"
    text.write_text(SAMPLE_TEXT * 3)
    coref.write_text(CONLLU)
    return {"text": text, "coref": coref}


def test_every_stream_fits_the_models_positions(short_gpt2, inputs, tmp_path):
    lm = load_model(str(short_gpt2), decoders=True)
    assert lm.max_positions == POSITIONS
    config = BuildConfig(out=tmp_path, treebank=(TREEBANK,), max_len=64, **inputs)
    assert stream_max_len(config, lm) == POSITIONS
    general = prepare_general(config, lm)
    syntax = prepare_syntax(config, lm)
    coref = prepare_coref(config, lm)
    for stream in (general, syntax, coref):
        assert stream.segments and max(len(s) for s in stream.segments) <= POSITIONS
    # the sentences dropped are exactly those whose BOS + pieces exceed 24 tokens
    from generator.corpus.conllu import read_conllu

    lengths = [1 + len(lm.tokenizer(" ".join(s.forms), add_special_tokens=False)["input_ids"])
               for s in read_conllu(TREEBANK)]
    assert max(lengths) > 64 and any(POSITIONS < n <= 64 for n in lengths)  # the test bites
    assert syntax.data.skipped == sum(n > POSITIONS for n in lengths)
    assert len(syntax.segments) == sum(n <= POSITIONS for n in lengths)
    # one 63-token window at --max-len 64; here more windows, each within 24 tokens
    assert coref.header["max_len"] == POSITIONS and len(coref.segments) > 1
    assert max(len(s) for s in prepare_coref(
        BuildConfig(out=tmp_path, max_len=64, **inputs), load_model(
            str(make_tiny_decoder(tmp_path / "long", "gpt2")), decoders=True)).segments) > 24


def test_the_notice(short_gpt2, tmp_path):
    lm = load_model(str(short_gpt2), decoders=True)
    assert max_len_notice(BuildConfig(out=tmp_path, max_len=POSITIONS), lm) is None
    assert max_len_notice(BuildConfig(out=tmp_path, max_len=64), lm) == (
        "--max-len 64 is over the model's 24 positions: every stream uses at most 24 tokens "
        "per segment")


def test_a_build_over_the_models_positions(short_gpt2, inputs, tmp_path, capsys):
    out = tmp_path / "out"
    capsys.readouterr()
    status = main(["build", "--model", str(short_gpt2), "--out", str(out), "--no-site",
                   "--no-cache", "--text", str(inputs["text"]), "--treebank", str(TREEBANK),
                   "--coref", str(inputs["coref"]), "--max-len", "64", "--gradient-segments",
                   "2", "--min-relation-count", "1", "--batch-size", "4"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert err.count("is over the model's 24 positions") == 1
    syntax = json.loads((out / "results" / "syntax.json").read_text())
    assert syntax["skipped"] == 2 and syntax["sentences"] == 5
    coref = json.loads((out / "results" / "coref.json").read_text())
    assert coref["max_len"] == POSITIONS
