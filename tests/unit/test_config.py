from pathlib import Path

import pytest

from generator.config import BuildConfig, int_or_word, load_config, make_config
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
    ({"distance_rows": "some"}, "'distance_rows' must be an integer or 'all', got 'some'"),
    ({"distance_rows": 2.5}, "'distance_rows' must be an integer or 'all', got 2.5"),
    ({"distance_rows": True}, "'distance_rows' must be an integer or 'all', got True"),
    ({"distance_rows": 0}, "'distance_rows' must be at least 1, got 0"),
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


def test_distance_rows_all_from_toml_and_flag(tmp_path):
    f = tmp_path / "c.toml"
    f.write_text('distance_rows = "all"\n')
    assert load_config(f, {}).distance_rows == "all"
    assert load_config(f, {"distance_rows": int_or_word("512")}).distance_rows == 512
    assert load_config(None, {"distance_rows": int_or_word("all")}).distance_rows == "all"
    assert BuildConfig().distance_rows == 2048
    with pytest.raises(HeadAtlasError, match=r"^command line: --distance-rows must be an integer "
                                             r"or 'all', got 'every'$"):
        load_config(None, {"distance_rows": int_or_word("every")})
    assert int_or_word(None) is None and int_or_word(" 7 ") == 7
