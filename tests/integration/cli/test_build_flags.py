"""``headatlas build`` command lines (and TOML) give the config they always gave.

The options are generated from BuildConfig's fields; each case here states the expected object by
hand. No model: ``load_config``'s answer is caught and the build stops there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import generator.cli.build as build_cli
from generator.cli.main import main
from generator.config import BuildConfig, config_fields


class Stop(Exception):
    """Raised once the config is read, so that no build runs."""


@pytest.fixture
def parse(monkeypatch, tmp_path):
    """``parse(*argv)``: the BuildConfig ``headatlas build *argv`` would build with."""
    seen: list[BuildConfig] = []
    real = build_cli.load_config

    def load_config(path, overrides):
        seen.append(real(path, overrides))
        raise Stop

    monkeypatch.setattr(build_cli, "load_config", load_config)
    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> BuildConfig:
        with pytest.raises(Stop):
            main(["build", *argv])
        return seen.pop()

    return run


@pytest.fixture
def files(tmp_path):
    for name in ("a.txt", "b.json", "t1.conllu", "t2.conllu", "c.conllu", "tr.conllu",
                 "ev.conllu"):
        (tmp_path / name).write_text("")
    return tmp_path


def test_no_flags_give_the_defaults(parse):
    assert parse() == BuildConfig()


def test_every_kind_of_flag(parse, files):
    """Path, optional path, repeated path, int, float, choice, bool pair, string."""
    got = parse("--model", "m/x", "--text", "a.txt", "--treebank", "t1.conllu", "--treebank",
                "t2.conllu", "--coref", "c.conllu", "--max-segments", "7", "--max-len", "24",
                "--seed", "3", "--batch-size", "2", "--out", "o", "--device", "cuda",
                "--precision", "bfloat16", "--token-types", "zeros", "--word-rows", "first",
                "--min-relation-count", "5", "--distance-rows", "9", "--spacy-model", "sp",
                "--syntax-sentences", "11", "--mst-sentences", "12", "--no-cache",
                "--cache-dir", "cd", "--cache-max-gb", "2.5", "--trust-remote-code",
                "--no-site", "--site-url", "https://u.example/", "--no-offline-site",
                "--gradient-segments", "0", "--probe-train", "tr.conllu", "--probe-eval",
                "ev.conllu", "--probe-train-sentences", "13", "--probe-eval-sentences", "14")
    assert got == BuildConfig(
        model="m/x", text=Path("a.txt"), segments=None,
        treebank=(Path("t1.conllu"), Path("t2.conllu")), coref=Path("c.conllu"),
        max_segments=7, max_len=24, seed=3, batch_size=2, out=Path("o"), device="cuda",
        precision="bfloat16", token_types="zeros", word_rows="first", min_relation_count=5,
        distance_rows=9, spacy_model="sp", syntax_sentences=11, mst_sentences=12, cache=False,
        cache_dir=Path("cd"), cache_max_gb=2.5, trust_remote_code=True, site=False,
        site_url="https://u.example/", offline_site=False, gradient_segments=0,
        probe_train=Path("tr.conllu"), probe_eval=Path("ev.conllu"), probe_train_sentences=13,
        probe_eval_sentences=14)
    assert type(got.cache_max_gb) is float


@pytest.mark.parametrize("argv, changed", [
    (["--segments", "b.json"], {"segments": Path("b.json")}),
    (["--treebank", "t2.conllu"], {"treebank": (Path("t2.conllu"),)}),
    (["--cache-max-gb", "3"], {"cache_max_gb": 3.0}),
    (["--cache", "--site", "--offline-site", "--no-trust-remote-code"], {}),
    (["--no-cache", "--cache"], {}),  # the last of a pair wins
    (["--seed", "1", "--seed", "2"], {"seed": 2}),
    (["--max-segments=5"], {"max_segments": 5}),
    (["--model", "default"], {}),
])
def test_single_flags(parse, files, argv, changed):
    assert parse(*argv) == BuildConfig(**changed)


def test_config_file_then_flags(parse, files):
    (files / "c.toml").write_text('max-segments = 50\nseed = 3\ncache = false\n'
                                  'treebank = ["t1.conllu", "t2.conllu"]\nword_rows = "first"\n'
                                  'cache_max_gb = 1\n')
    got = parse("--config", "c.toml", "--seed", "7", "--cache", "--treebank", "c.conllu")
    assert got == BuildConfig(max_segments=50, seed=7, cache=True, treebank=(Path("c.conllu"),),
                              word_rows="first", cache_max_gb=1.0)


def help_entries(text: str) -> dict[str, str]:
    """``--help`` output as {option as listed: its help, wrapped lines joined}."""
    entries: dict[str, list[str]] = {}
    for line in text.split("Options:", 1)[1].splitlines():
        if line.startswith("  -"):
            option, _, help_ = line.strip().partition("  ")
            entries[option] = [help_]
        elif line.strip():
            entries[list(entries)[-1]].append(line)
    return {k: " ".join(" ".join(v).split()) for k, v in entries.items()}


def test_help_lists_every_option_with_its_help_and_default(capsys):
    assert main(["build", "--help"]) == 0
    entries = help_entries(capsys.readouterr().out)
    fields = config_fields(BuildConfig)
    assert len(entries) == len(fields) + 2  # --config and --help
    for f in fields:
        option = next(k for k in entries if k.split(" <")[0] == f.flag.replace("/", " / "))
        assert entries[option] == f.help
    assert entries["--config <path>"] == "TOML file with the same keys as the flags."
    assert entries["--treebank <list[Path]>"] == "CoNLL-U file with gold syntax (repeatable)."
    assert entries["--max-segments <int>"] == "Segments analysed [1000]."
    assert entries["--cache-max-gb <float>"] == ("GB of new attention one build may write to the "
                                                 "cache (every stream together) [1].")
    assert entries["--cache / --no-cache"] == ("Cache plain text, and extracted attention within "
                                               "cache_max_gb [on].")
    assert entries["--trust-remote-code / --no-trust-remote-code"] == (
        "Allow a model's own Python code to run [off].")
    assert entries["--cache-dir <path>"] == "Cache folder [OUT/.headatlas-cache]."
    assert entries["--text <path>"] == "Plain-text corpus (blank line between documents)."
    assert entries["--device <str>"] == (
        "cpu, cuda, or auto (spread over every GPU and the CPU) [cpu].")


@pytest.mark.parametrize("argv, message", [
    (["--max-len", "many"], "headatlas: error: Invalid value for '--max-len': Input should be a "
     "valid integer, unable to parse string as an integer (see: headatlas build --help)"),
    (["--cache-max-gb", "lots"], "headatlas: error: Invalid value for '--cache-max-gb': Input "
     "should be a valid number, unable to parse string as a number (see: headatlas build "
     "--help)"),
    (["--max-lenght", "24"], "headatlas: error: No such option: --max-lenght (Possible "
     "options: --max-len, --max-segments) (see: headatlas build --help)"),
    (["--cache=no"], "headatlas: error: Option '--cache' does not take a value. (see: headatlas "
     "build --help)"),
    (["--device", "tpu"], "headatlas: error: command line: 'device' must be one of 'cpu', "
     "'cuda', 'auto', got 'tpu'"),
    (["--max-len", "4"], "headatlas: error: command line: --max-len must be at least 8, got 4"),
    (["--gradient-segments", "-1"], "headatlas: error: command line: --gradient-segments must "
     "be at least 0, got -1"),
])
def test_usage_errors_are_one_line_and_exit_2(capsys, tmp_path, argv, message):
    assert main(["build", "--out", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert err.strip() == message
