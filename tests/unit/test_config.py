from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
import typer

import generator.config as config_module
from generator.cli.build import config_signature, given_flags
from generator.config import (
    README,
    TABLE_END,
    TABLE_START,
    BuildConfig,
    config_fields,
    load_config,
    make_config,
    readme_table,
    readme_with_table,
    setting,
)
from generator.errors import HeadAtlasError


def test_defaults():
    c = BuildConfig()
    assert (c.max_segments, c.max_len, c.seed, c.token_types) == (1000, 128, 0, "model")
    assert c.cache_root == Path(".") / ".headatlas-cache"


def test_toml_then_flags(tmp_path):
    f = tmp_path / "c.toml"
    a, b = tmp_path / "a.conllu", tmp_path / "b.conllu"
    a.write_text("")
    b.write_text("")
    f.write_text(f'max-segments = 50\nseed = 3\ntreebank = ["{a}", "{b}"]\n')
    c = load_config(f, {"seed": 7})
    assert c.max_segments == 50 and c.seed == 7
    assert c.treebank == (a, b)


def test_keep_short_segments_key(tmp_path):
    assert BuildConfig().keep_short_segments is False
    f = tmp_path / "c.toml"
    f.write_text("keep-short-segments = true\n")
    assert load_config(f, {}).keep_short_segments is True
    assert load_config(f, {"keep_short_segments": False}).keep_short_segments is False


def test_missing_input_fails_before_the_model_loads(tmp_path):
    with pytest.raises(HeadAtlasError, match=r"nope.conllu: file not found"):
        load_config(None, {"treebank": [str(tmp_path / "nope.conllu")]})


def test_unknown_key_suggests(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("max_segmnts = 5\n")
    with pytest.raises(HeadAtlasError, match=r"unknown config key 'max_segmnts' \(did you mean "
                                             r"'max_segments'\?\)") as e:
        load_config(f, {})
    assert str(f) in str(e.value)


@pytest.mark.parametrize("values, message", [
    ({"max_len": "128"}, "'max_len' must be an integer"),
    ({"cache": 1}, "'cache' must be true or false"),
    ({"device": "tpu"}, "'device' must be one of 'cpu', 'cuda'"),
    ({"batch_size": 0}, "'batch_size' must be at least 1"),
])
def test_wrong_types(values, message):
    with pytest.raises(HeadAtlasError, match=message):
        make_config(values)


def test_bad_toml_names_line(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text("seed = 1\nmodel = \n")
    with pytest.raises(HeadAtlasError, match=r"c.toml:2: invalid TOML"):
        load_config(f, {})


def test_text_and_segments_exclusive():
    with pytest.raises(HeadAtlasError, match="either --text or --segments"):
        load_config(None, {"text": "a.txt", "segments": "b.json"})


# --- Each setting is defined once (a BuildConfig field); CLI, README and checks come from it ---

@dataclass(frozen=True)
class Toy:
    """One field of every kind of type a setting may have."""

    path: Path = setting(Path("."), "A path", "a path")
    maybe: Path | None = setting(None, "An optional path", "an optional path")
    files: tuple[Path, ...] = setting((), "Input file", "input file")
    count: int = setting(3, "A count", "a count", minimum=1)
    ratio: float = setting(0.5, "A ratio", "a ratio", minimum=0)
    mode: Literal["a", "b"] = setting("a", "a or b", "`a` or `b`")
    switch: bool = setting(True, "A switch", "a switch | on or off")
    rows: int | Literal["all"] = setting(2048, "Rows or all", "rows, or `all`", minimum=1)
    url: str | None = setting(None, "A URL", "a URL", cli_default="http://x/",
                              readme_default="`http://x/`")


def toy_app(seen: list[Toy]) -> typer.Typer:
    """A CLI made from Toy's fields as ``headatlas build`` is made from BuildConfig's."""
    def command(config: Path | None = None, **flags: Any) -> None:
        seen.append(make_config(given_flags(flags), "command line", cls=Toy))

    command.__signature__ = config_signature(Toy)
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)
    app.command()(command)
    return app


def parse_toy(*argv: str) -> Toy:
    seen: list[Toy] = []
    toy_app(seen)(args=list(argv), prog_name="toy", standalone_mode=False)
    return seen.pop()


@pytest.mark.parametrize("argv, expected", [
    ([], Toy()),
    (["--path", "p", "--maybe", "m"], Toy(path=Path("p"), maybe=Path("m"))),
    (["--files", "a", "--files", "b"], Toy(files=(Path("a"), Path("b")))),
    (["--count", "9", "--ratio", "2"], Toy(count=9, ratio=2.0)),
    (["--mode", "b", "--no-switch"], Toy(mode="b", switch=False)),
    (["--switch"], Toy(switch=True)),
    (["--rows", "all"], Toy(rows="all")),
    (["--rows", "17"], Toy(rows=17)),
    (["--url", "https://y/"], Toy(url="https://y/")),
])
def test_cli_of_every_kind_of_type(argv, expected):
    got = parse_toy(*argv)
    assert got == expected
    assert [type(getattr(got, k)) for k in ("ratio", "rows")] == [float, type(expected.rows)]


@pytest.mark.parametrize("argv, message", [
    (["--rows", "many"], "Invalid value for '--rows': 'many' is not an integer or 'all'"),
    (["--rows", "2.5"], "Invalid value for '--rows': '2.5' is not an integer or 'all'"),
    (["--count", "x"], "Invalid value for '--count': Input should be a valid integer, unable to "
                       "parse string as an integer"),
    (["--switch=yes"], "Option '--switch' does not take a value."),
])
def test_cli_usage_errors(argv, message):
    with pytest.raises(typer.TyperException) as e:
        parse_toy(*argv)
    assert e.value.format_message() == message


@pytest.mark.parametrize("argv, message", [
    (["--mode", "c"], "command line: 'mode' must be one of 'a', 'b', got 'c'"),
    (["--rows", "0"], "command line: --rows must be at least 1, got 0"),
    (["--ratio", "-0.5"], "command line: --ratio must be at least 0, got -0.5"),
])
def test_cli_values_checked_by_make_config(argv, message):
    with pytest.raises(HeadAtlasError) as e:
        parse_toy(*argv)
    assert str(e.value) == message


def test_cli_help_of_every_kind_of_type(capsys):
    toy_app([])(args=["--help"], prog_name="toy", standalone_mode=False)
    text = " ".join(capsys.readouterr().out.split())
    for listed in ["--path <path> A path [.].", "--maybe <path> An optional path.",
                   "--files <list[Path]> Input file (repeatable).", "--count <int> A count [3].",
                   "--ratio <float> A ratio [0.5].", "--mode <str> a or b [a].",
                   "--switch / --no-switch A switch [on].", "--rows <int|all> Rows or all [2048].",
                   "--url <str> A URL [http://x/]."]:
        assert listed in text


@pytest.mark.parametrize("values, expected", [
    ({"rows": "all"}, Toy(rows="all")),
    ({"rows": 5}, Toy(rows=5)),
    ({"files": "a"}, Toy(files=(Path("a"),))),
    ({"files": ["a", "b"], "switch": False, "ratio": 1}, Toy(files=(Path("a"), Path("b")),
                                                             switch=False, ratio=1.0)),
])
def test_toml_values_of_every_kind_of_type(values, expected):
    assert make_config(values, cls=Toy) == expected


@pytest.mark.parametrize("values, message", [
    ({"rows": "5"}, "config: 'rows' must be an integer or 'all', got '5'"),
    ({"rows": True}, "config: 'rows' must be an integer or 'all', got True"),
    ({"rows": 0}, "config: 'rows' must be at least 1, got 0"),
    ({"count": 0}, "config: 'count' must be at least 1, got 0"),
    ({"mode": "c"}, "config: 'mode' must be one of 'a', 'b', got 'c'"),
    ({"switch": "yes"}, "config: 'switch' must be true or false, got 'yes'"),
    ({"cout": 1}, "config: unknown config key 'cout' (did you mean 'count'?)"),
])
def test_toml_errors_of_every_kind_of_type(values, message):
    with pytest.raises(HeadAtlasError) as e:
        make_config(values, cls=Toy)
    assert str(e.value) == message


def test_readme_rows_of_every_kind_of_type():
    assert readme_table(Toy).splitlines() == [
        "| flag / TOML key | default | meaning |",
        "|---|---|---|",
        "| `--path` / `path` | `.` | a path |",
        "| `--maybe` / `maybe` | | an optional path |",
        "| `--files` / `files` | | input file (repeatable) |",
        "| `--count` / `count` | 3 | a count |",
        "| `--ratio` / `ratio` | 0.5 | a ratio |",
        "| `--mode` / `mode` | `a` | `a` or `b` |",
        "| `--switch/--no-switch` / `switch` | on | a switch \\| on or off |",
        "| `--rows` / `rows` | 2048 | rows, or `all` |",
        "| `--url` / `url` | `http://x/` | a URL |",
    ]


def test_readme_flag_table_is_buildconfig():
    """README.md's table between the markers is what BuildConfig gives: after a change to a
    field, run ``python -m generator.config --readme``."""
    text = README.read_text(encoding="utf-8")
    assert readme_with_table(text, readme_table()) == text, (
        "README flag table out of date: run python -m generator.config --readme")
    table = text[text.index(TABLE_START):text.index(TABLE_END)]
    for f in config_fields():
        assert f"| `{f.flag}` / `{f.name}` |" in table


def test_readme_command_writes_and_checks(tmp_path, monkeypatch, capsys):
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n{TABLE_START}\n| old |\n{TABLE_END}\n\nmore\n")
    monkeypatch.setattr(config_module, "README", readme)
    assert config_module.main(["--readme", "--check"]) == 1
    assert config_module.main(["--readme"]) == 0
    assert readme.read_text() == f"# x\n\n{TABLE_START}\n{readme_table()}\n{TABLE_END}\n\nmore\n"
    assert config_module.main(["--readme", "--check"]) == 0


def test_every_choice_is_named_in_help_and_readme():
    chosen = [f for f in config_fields() if f.choices]
    assert {"device", "precision", "token_types", "word_rows"} <= {f.name for f in chosen}
    for f in chosen:
        for choice in f.choices:
            assert choice in f.help and f"`{choice}`" in f.setting.readme, (f.name, choice)


def test_every_field_is_a_setting():
    with pytest.raises(TypeError, match="Bad.x is not made with setting"):
        config_fields(dataclass(type("Bad", (), {"__annotations__": {"x": int}, "x": 1})))


@pytest.mark.parametrize("values, message", [
    ({"distance_rows": "some"}, "'distance_rows' must be an integer or 'all', got 'some'"),
    ({"distance_rows": 2.5}, "'distance_rows' must be an integer or 'all', got 2.5"),
    ({"distance_rows": True}, "'distance_rows' must be an integer or 'all', got True"),
    ({"distance_rows": 0}, "'distance_rows' must be at least"),
])
def test_distance_rows_wrong_values(values, message):
    with pytest.raises(HeadAtlasError, match=message):
        make_config(values)


def test_distance_rows_all_from_toml(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('distance_rows = "all"\n')
    assert load_config(f, {}).distance_rows == "all"
    assert load_config(f, {"distance_rows": 512}).distance_rows == 512
    assert BuildConfig().distance_rows == 2048
