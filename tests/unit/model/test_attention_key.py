"""The attention cache key the build uses changes with everything that changes the numbers."""

from __future__ import annotations

import importlib
from dataclasses import replace
from types import SimpleNamespace

import pytest

from generator import pipeline
from generator.config import BuildConfig
from generator.encoding.segment import Segment
from generator.model.cache import CacheBudget
from generator.timings import Timings

SEGMENTS = [Segment((2, 5, 6, 3, 7, 3), (0, 0, 0, 0, 1, 1), (-1, 0, 1, -1, 2, -1))]


def key_of(monkeypatch, tmp_path, *, segments=SEGMENTS, fingerprint="abc", skip=(), **settings
           ) -> str:
    """The key of the cache entry ``stream_batches`` opens (the model is never run)."""
    keys: list[str] = []

    class Recorder:
        complete = False

        def __init__(self, root, key, info=None):
            keys.append(key)

    monkeypatch.setattr(pipeline, "AttentionCache", Recorder)
    monkeypatch.setattr(pipeline, "extract", lambda *args, **kwargs: iter(()))
    lm = SimpleNamespace(fingerprint=fingerprint, num_layers=2, num_heads=4, kind="encoder",
                         name="m")
    config = replace(BuildConfig(out=tmp_path), **settings)
    assert list(pipeline.stream_batches("general", lm, segments, config, timings=Timings(),
                                        skip=skip, budget=CacheBudget(1e9))) == []
    assert len(keys) == 1
    return keys[0]


@pytest.mark.parametrize("name", ["torch", "transformers", "tokenizers"])
def test_the_key_changes_with_the_library_versions(monkeypatch, tmp_path, name):
    # the module as the code will import it now: transformers' lazy loading may have put a new
    # object at sys.modules["transformers"] since this file was imported
    module = importlib.import_module(name)
    before = key_of(monkeypatch, tmp_path)
    assert key_of(monkeypatch, tmp_path) == before
    monkeypatch.setattr(module, "__version__", module.__version__ + ".post1")
    assert key_of(monkeypatch, tmp_path) != before


def test_the_key_changes_with_every_other_part(monkeypatch, tmp_path):
    base = key_of(monkeypatch, tmp_path)
    zero_types = [replace(SEGMENTS[0], token_type_ids=(0,) * 6)]
    shorter = [replace(SEGMENTS[0], input_ids=SEGMENTS[0].input_ids[:5],
                       token_type_ids=SEGMENTS[0].token_type_ids[:5],
                       word_ids=SEGMENTS[0].word_ids[:5])]
    others = [key_of(monkeypatch, tmp_path, fingerprint="abd"),
              key_of(monkeypatch, tmp_path, precision="bfloat16"),
              key_of(monkeypatch, tmp_path, device="cuda"),
              key_of(monkeypatch, tmp_path, segments=zero_types),
              key_of(monkeypatch, tmp_path, segments=shorter),
              key_of(monkeypatch, tmp_path, segments=SEGMENTS * 2),
              key_of(monkeypatch, tmp_path, segments=SEGMENTS * 2, skip=[1])]
    assert len({base, *others}) == 1 + len(others)
    assert key_of(monkeypatch, tmp_path, batch_size=3) == base  # entries keep their batches
