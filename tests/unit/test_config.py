from pathlib import Path

import pytest

from generator.config import BuildConfig, load_config, make_config
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
