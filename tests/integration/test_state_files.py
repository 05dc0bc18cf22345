"""Accumulator states through a state file and back (issue 21), for every registered analysis.

Real builds of a tiny encoder and a tiny decoder run every stream; their states are written as
safetensors + JSON (no pickle), read back, compared value by value, and give the same
documents."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from generator.analyses.registry import ANALYSES
from generator.config import make_config
from generator.model.loading import load_model
from generator.pipeline import prepare_streams, stream_documents, stream_states
from generator.states import (
    from_bytes,
    read_state_meta,
    read_state_value,
    to_bytes,
    write_state_files,
)
from generator.timings import Timings
from tests.helpers import SAMPLE_TEXT
from tests.integration.analyses.test_coref_build import CONLLU

TREEBANK = "tests/fixtures/syntax_small.conllu"


def same(a, b, where="states") -> None:
    """Equal values of equal types, tensors bit for bit with their dtype."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert torch.equal(a.reshape(-1).view(torch.uint8), b.reshape(-1).view(torch.uint8)), where
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    else:
        assert a == b, where


def run(model, tmp_path, **extra):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(SAMPLE_TEXT * 3)
    coref = tmp_path / "coref.conllu"
    coref.write_text(CONLLU)
    config = make_config({"model": str(model), "text": str(corpus), "treebank": [TREEBANK],
                          "coref": str(coref), "max_len": 24, "batch_size": 3,
                          "shard_block": 3, "gradient_segments": 4, "distance_rows": 30,
                          "cache": False, "out": str(tmp_path / "out"), **extra})
    lm = load_model(config.model, decoders=True)
    prepared, seconds = prepare_streams(config, lm, Timings())
    return config, lm, prepared, stream_states(prepared, lm, config, Timings(), seconds)


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
def test_every_analysis_state_round_trips(kind, tiny_model_dir, tiny_decoder_dir, tmp_path):
    model = tiny_model_dir("bert", masked_lm=True) if kind == "encoder" else tiny_decoder_dir()
    config, lm, prepared, states = run(model, tmp_path)
    assert lm.kind == kind
    # every analysis of this kind ran and left states (its stream is in the states)
    wanted = {spec.stream for spec in ANALYSES if kind in spec.kinds}
    assert wanted <= set(states)
    tensor_bytes, structure = to_bytes(states)
    json.dumps(structure)  # plain JSON
    back = from_bytes(tensor_bytes, structure)
    same(states, back)
    # through files too, and the documents made from them are the same
    _, json_path = write_state_files(tmp_path / "states" / "shard-0-of-1", states, {"x": 1})
    meta = read_state_meta(json_path)
    same(states, read_state_value(json_path, meta))
    timings = Timings()
    assert (stream_documents(prepared, lm, config, timings, [back])
            == stream_documents(prepared, lm, config, timings, [states]))
    # the cat states (syntax, coref, examples) are in the file as records, not as pickles
    text = json_path.read_text()
    assert "$dataclass" in text and "pickle" not in text


def test_a_record_of_a_foreign_class_is_not_built(tmp_path):
    @dataclasses.dataclass
    class Foreign:
        x: int

    _, structure = to_bytes([Foreign(1)])
    assert structure[0]["$dataclass"].startswith("tests.")
    with pytest.raises(ValueError, match="not a headatlas class"):
        from_bytes(to_bytes([])[0], structure)


def test_odd_values_round_trip():
    value = {"nan": float("nan"), 3: (1, "a", None), "empty": torch.zeros((0, 4)),
             "half": torch.tensor([1.5], dtype=torch.float16), "np": np.arange(3, dtype=np.int16),
             "scalar": np.float32(0.1), "big": 2 ** 62, "set": {3, 1}}
    back = from_bytes(*to_bytes(value))
    assert np.isnan(back.pop("nan")) and np.isnan(value.pop("nan"))
    same(value, back)
