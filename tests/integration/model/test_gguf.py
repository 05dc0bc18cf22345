"""A GGUF file loads as a decoder through a plain folder dequantized once into the per-user
cache (generator/model/gguf_convert.py), reused afterwards, rebuilt when damaged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from generator.errors import HeadAtlasError
from generator.model import gguf_convert
from generator.model.loading import load_model
from tests.helpers import write_tiny_gguf


@pytest.fixture(scope="module")
def tiny_gguf(tiny_decoder_dir, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gguf")
    return write_tiny_gguf(folder / "tiny.gguf", tiny_decoder_dir("llama"))


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    """An empty per-user cache for one test, and a count of the conversions it makes."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "headatlas" / "gguf"


@pytest.fixture
def conversions(monkeypatch) -> list[Path]:
    made: list[Path] = []
    original = gguf_convert._convert

    def counted(path: Path, out: Path) -> None:
        made.append(path)
        original(path, out)

    monkeypatch.setattr(gguf_convert, "_convert", counted)
    return made


def _unpermute(weights: np.ndarray, heads: int) -> np.ndarray:
    """llama.cpp's q/k row order back to Hugging Face's (the inverse of its ``permute``)."""
    rows = weights.shape[0] // heads // 2
    return weights.reshape(heads, rows, 2, -1).swapaxes(1, 2).reshape(weights.shape)


def test_round_trip(tiny_gguf, tiny_decoder_dir, fresh_cache, conversions):
    import gguf

    lm = load_model(str(tiny_gguf), decoders=True)
    sha = hashlib.sha256(tiny_gguf.read_bytes()).hexdigest()
    entry = fresh_cache / sha
    assert conversions == [tiny_gguf] and entry.is_dir()
    assert lm.kind == "decoder" and (lm.num_layers, lm.num_heads) == (2, 4)
    assert lm.origin is not None and lm.origin.sha256 == sha
    described = lm.describe()
    assert described["origin"] == "dequantized from tiny.gguf (Q8_0)"
    assert "source" not in described and described["architecture"] == "llama"  # a local path
    assert lm.describe(record_paths=True)["source"] == str(tiny_gguf)
    marker = json.loads((entry / gguf_convert.MARKER).read_text())
    assert marker["quant"] == "Q8_0" and marker["file"] == "tiny.gguf"
    assert not [p for p in fresh_cache.iterdir() if p.name.startswith(".")]  # no leftovers

    # the converted weights are the file's tensors, dequantized by gguf itself, q/k rows back
    # in Hugging Face's order; and within Q8_0's rounding of the original model
    converted = load_file(str(entry / "model.safetensors"))
    original = load_file(str(tiny_decoder_dir("llama") / "model.safetensors"))
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, 2)
    tensors = {t.name: t for t in gguf.GGUFReader(str(tiny_gguf)).tensors}
    for key, weights in original.items():
        t = tensors[names.get_name(key, try_suffixes=(".weight",))]
        data = gguf.quants.dequantize(t.data, t.tensor_type).reshape(weights.shape)
        if "q_proj" in key:
            data = _unpermute(data, 4)
        elif "k_proj" in key:
            data = _unpermute(data, 2)
        assert torch.equal(converted[key], torch.from_numpy(np.array(data))), key
        scale = weights.abs().max() / 127
        assert (converted[key] - weights).abs().max() <= scale, key
    tokenizer = load_model(str(tiny_decoder_dir("llama")), decoders=True).tokenizer
    text = "The cat sat on the mat, and the dog ran."
    assert lm.tokenizer(text)["input_ids"] == tokenizer(text)["input_ids"]
    assert lm.template.single_parts[0] == ("special", tokenizer.eos_token_id, 0)


def test_reused_with_a_stable_fingerprint(tiny_gguf, fresh_cache, conversions, monkeypatch):
    first = load_model(str(tiny_gguf), decoders=True)
    (entry,) = list(fresh_cache.iterdir())
    stamps = {p.name: p.stat().st_mtime_ns for p in entry.iterdir()}
    monkeypatch.setattr(gguf_convert, "_require_packages", lambda: pytest.fail("converted"))
    again = load_model(str(tiny_gguf), decoders=True)
    assert conversions == [tiny_gguf]  # once
    assert again.fingerprint == first.fingerprint
    assert again.describe()["origin"] == first.describe()["origin"]
    assert {p.name: p.stat().st_mtime_ns for p in entry.iterdir()} == stamps
    # a folder holding the one file is the same model
    assert load_model(str(tiny_gguf.parent), decoders=True).fingerprint == first.fingerprint


@pytest.mark.parametrize("damage", ["weights", "marker", "missing"])
def test_a_damaged_entry_is_rebuilt(tiny_gguf, fresh_cache, conversions, damage):
    first = load_model(str(tiny_gguf), decoders=True)
    (entry,) = list(fresh_cache.iterdir())
    weights = entry / "model.safetensors"
    if damage == "weights":  # same size, one byte changed
        data = bytearray(weights.read_bytes())
        data[-5] ^= 0xFF
        weights.write_bytes(bytes(data))
    elif damage == "marker":
        (entry / gguf_convert.MARKER).write_text("{not json")
    else:
        weights.unlink()
    again = load_model(str(tiny_gguf), decoders=True)
    assert conversions == [tiny_gguf, tiny_gguf]
    assert again.fingerprint == first.fingerprint  # the conversion is deterministic
    assert [p.name for p in fresh_cache.iterdir()] == [entry.name]


def test_a_folder_with_two_gguf_files(tiny_gguf, tmp_path):
    for name in ("a.gguf", "b.gguf"):
        (tmp_path / name).write_bytes(tiny_gguf.read_bytes())
    with pytest.raises(HeadAtlasError) as err:
        load_model(str(tmp_path), decoders=True)
    assert str(err.value) == f"{tmp_path}: the folder holds 2 GGUF files (a.gguf, b.gguf): name one"


def test_the_cache_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert gguf_convert.cache_root() == tmp_path / "headatlas" / "gguf"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")
    assert gguf_convert.cache_root() == Path.home() / ".cache" / "headatlas" / "gguf"


def test_refused_decoders_are_not_converted(tiny_gguf, fresh_cache, conversions):
    with pytest.raises(HeadAtlasError, match="refused here"):
        load_model(str(tiny_gguf))
    assert conversions == [] and not fresh_cache.exists()
