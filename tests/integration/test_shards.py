"""Sharded builds (issue 21): W shards merged give the bytes of a one-process build.

Every stream is cut into blocks of ``--shard-block 2`` segments, so each corpus spans several
blocks and every shard layout (W = 1, 2, 3) splits them differently; the results folder must
still be byte for byte that of one process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.merge import read_shards
from generator.shards import merge_stream
from tests.helpers import SAMPLE_TEXT
from tests.integration.analyses.test_coref_build import CONLLU

TREEBANK = "tests/fixtures/syntax_small.conllu"
MANIFEST_LOCAL = ()
"""manifest.json keys that may differ between a sharded and a one-process build: none (the
engine settings are left out of the manifest, ``pipeline.ENGINE_SETTINGS``)."""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("shard-inputs")
    corpus = folder / "corpus.txt"
    corpus.write_text(SAMPLE_TEXT * 3)
    coref = folder / "coref.conllu"
    coref.write_text(CONLLU)
    return {"text": corpus, "coref": coref}


def args(model: Path, inputs: dict[str, Path], out: Path, *extra: str) -> list[str]:
    return ["build", "--model", str(model), "--out", str(out), "--text", str(inputs["text"]),
            "--treebank", TREEBANK, "--coref", str(inputs["coref"]), "--max-len", "24",
            "--batch-size", "3", "--shard-block", "2", "--gradient-segments", "5",
            "--distance-rows", "40", "--no-site", "--no-cache", *extra]


def results(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "results").glob("*.json"))}


@pytest.fixture(scope="module")
def single(tiny_model_dir, inputs, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("single")
    assert main(args(tiny_model_dir("bert", masked_lm=True), inputs, out)) == 0
    return results(out)


def test_the_corpus_spans_several_blocks(single):
    docs = {name: json.loads(data) for name, data in single.items()}
    assert docs["general.json"]["corpus"]["segments"] > 6
    assert docs["syntax.json"]["sentences"] > 4 if "sentences" in docs["syntax.json"] else True
    assert docs["gradients.json"]["corpus"]["segments"] == 5


@pytest.mark.parametrize("count", [1, 2, 3])
def test_shards_merged_give_the_bytes_of_one_process(tiny_model_dir, inputs, single, tmp_path,
                                                     count):
    model = tiny_model_dir("bert", masked_lm=True)
    states = tmp_path / "states"
    for k in range(count):  # each shard in its own OUT, as on separate machines
        out = tmp_path / f"node{k}"
        assert main(args(model, inputs, out, "--shard", f"{k}/{count}")) == 0
        assert not (out / "results").exists()
        for path in (out / "states").iterdir():
            states.mkdir(exist_ok=True)
            path.rename(states / path.name)
    merged = tmp_path / "merged"
    assert main(["merge", str(merged), "--states", str(states), "--no-site"]) == 0
    assert results(merged) == single


def merged_states(folder: Path) -> dict[str, list]:
    shards = [meta["streams"] for meta in read_shards([folder])]
    return {name: merge_stream([shard[name] for shard in shards]) for name in shards[0]}


def test_merged_states_are_those_of_one_process_bit_for_bit(tiny_model_dir, inputs, tmp_path):
    """Before any rounding: every state of every analysis, W = 2 and 3 against W = 1 (the
    results JSON, rounded to 6 digits, would hide a different order of float additions)."""
    from tests.integration.test_state_files import same

    model = tiny_model_dir("bert", masked_lm=True)
    by_count = {}
    for count in (1, 2, 3):
        out = tmp_path / f"w{count}"
        for k in range(count):
            assert main(args(model, inputs, out, "--shard", f"{k}/{count}")) == 0
        by_count[count] = merged_states(out / "states")
    same(by_count[1], by_count[2])
    same(by_count[1], by_count[3])


def test_merge_refuses_missing_and_mismatched_shards(tiny_model_dir, inputs, tmp_path, capsys):
    model = tiny_model_dir("bert", masked_lm=True)
    out = tmp_path / "a"
    assert main(args(model, inputs, out, "--shard", "0/2")) == 0
    capsys.readouterr()
    assert main(["merge", str(tmp_path / "m"), "--states", str(out / "states")]) == 2
    err = capsys.readouterr().err
    assert "shard-1-of-2.json missing" in err and len(err.strip().splitlines()) == 1
    other = tmp_path / "b"
    assert main(args(model, inputs, other, "--shard", "1/2", "--seed", "3")) == 0
    (out / "states" / "shard-1-of-2.json").write_bytes(
        (other / "states" / "shard-1-of-2.json").read_bytes())
    (out / "states" / "shard-1-of-2.safetensors").write_bytes(
        (other / "states" / "shard-1-of-2.safetensors").read_bytes())
    capsys.readouterr()
    assert main(["merge", str(tmp_path / "m"), "--states", str(out / "states")]) == 2
    err = capsys.readouterr().err
    assert "shard-1-of-2.json" in err and "differs from shard-0-of-2.json" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "m" / "results").exists()


@pytest.fixture()
def local_ray():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.slow
@pytest.mark.parametrize("count", [1, 2, 3])
def test_ray_engine_gives_the_bytes_of_one_process(tiny_model_dir, inputs, single, tmp_path,
                                                   local_ray, count):
    out = tmp_path / "ray"
    assert main(args(tiny_model_dir("bert", masked_lm=True), inputs, out, "--engine", "ray",
                     "--workers", str(count))) == 0
    assert results(out) == single


@pytest.mark.slow
def test_ray_engine_survives_a_killed_actor(tiny_model_dir, inputs, single, tmp_path,
                                            local_ray, monkeypatch):
    marker = tmp_path / "killed"
    monkeypatch.setenv("HEADATLAS_RAY_KILL_ONCE", str(marker))
    out = tmp_path / "ray"
    assert main(args(tiny_model_dir("bert", masked_lm=True), inputs, out, "--engine", "ray",
                     "--workers", "2")) == 0
    assert marker.exists()  # an actor did die mid-shard
    assert results(out) == single


@pytest.mark.slow
def test_a_shard_that_fails_for_good_fails_the_build_and_keeps_the_results(
        tiny_model_dir, inputs, tmp_path, local_ray, capsys, monkeypatch):
    out = tmp_path / "ray"
    model = tiny_model_dir("bert", masked_lm=True)
    assert main(args(model, inputs, out)) == 0
    before = results(out)
    # the kill hook's marker cannot be created: every shard raises (no retry helps)
    monkeypatch.setenv("HEADATLAS_RAY_KILL_ONCE", str(tmp_path / "no-such-folder" / "x"))
    capsys.readouterr()
    assert main(args(model, inputs, out, "--engine", "ray", "--workers", "2")) == 2
    errors = [line for line in capsys.readouterr().err.splitlines()
              if line.startswith("headatlas: error:")]
    assert len(errors) == 1
    assert "shard 0 of 2 failed on Ray: FileNotFoundError" in errors[0]
    assert results(out) == before


@pytest.mark.parametrize("value", ["2/2", "x", "1/0"])
def test_a_bad_shard_is_one_line(tiny_bert, inputs, tmp_path, capsys, value):
    assert main(args(tiny_bert, inputs, tmp_path / "o", "--shard", value)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [err[-1]] and "--shard" in err[-1] and "K/W" in err[-1]


def test_merge_with_no_state_files_is_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["merge", str(tmp_path / "m"), "--states", str(tmp_path / "empty")]) == 2
    assert "no shard-K-of-W.json state files" in capsys.readouterr().err


def test_a_decoder_with_layer_slices_shards_alike(tiny_decoder_dir, inputs, tmp_path):
    """Every decoder stream (synthetic and no-BOS too), fed one layer at a time."""
    model = tiny_decoder_dir()
    extra = ("--layer-slices", "on", "--sink-sample", "5")
    one = tmp_path / "one"
    assert main(args(model, inputs, one, *extra)) == 0
    states = tmp_path / "states"
    for k in range(2):
        out = tmp_path / f"node{k}"
        assert main(args(model, inputs, out, *extra, "--shard", f"{k}/2")) == 0
        for path in (out / "states").iterdir():
            states.mkdir(exist_ok=True)
            path.rename(states / path.name)
    merged = tmp_path / "merged"
    assert main(["merge", str(merged), "--states", str(states), "--no-site"]) == 0
    docs = results(one)
    assert {"general.json", "heads.json", "syntax.json", "coref.json"} <= set(docs)
    assert "no_bos" in json.loads(docs["general.json"])
    assert results(merged) == docs
