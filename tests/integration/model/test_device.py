"""Analyses on the model's device give the host's results (CUDA part skipped without a GPU)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from generator.config import BuildConfig
from generator.mapformat import decode_map
from generator.model.batch import AttentionBatch
from generator.model.gradients import GradientBatch
from generator.pipeline import build_results
from generator.timings import Timings
from tests.helpers import SAMPLE_TEXT

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def _batch(**extra) -> AttentionBatch:
    kind = GradientBatch if extra else AttentionBatch
    ids = torch.zeros(1, 2, dtype=torch.long)
    return kind(attentions=torch.rand(1, 1, 1, 2, 2), input_ids=ids, word_ids=ids,
                roles=torch.zeros(1, 2, dtype=torch.int8), lengths=torch.tensor([2]),
                index=torch.tensor([0]), **extra)


def test_to_same_device_is_the_batch_itself():
    batch = _batch()
    assert batch.to("cpu") is batch


def test_to_keeps_the_subclass_and_a_missing_gradient():
    batch = _batch(gradients=None)
    moved = batch.to("meta")
    assert type(moved) is GradientBatch and moved.gradients is None
    assert moved.attentions.device.type == "meta" and moved.index.device.type == "meta"


def assert_close(a, b, tol: float, where: str = "") -> None:
    """Walk two JSON values: numbers within ``tol`` (absolute, or relative for big values)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_close(a[k], b[k], tol, f"{where}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_close(x, y, tol, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=tol, abs_tol=tol), f"{where}: {a} vs {b}"
    else:
        assert a == b, where


def _build(tiny_bert, tmp_path, device: str, precision: str = "float32") -> dict:
    corpus = tmp_path / "sample.txt"
    corpus.write_text(SAMPLE_TEXT * 3, encoding="utf-8")
    config = BuildConfig(model=str(tiny_bert), text=corpus, out=tmp_path / device / precision,
                         treebank=(FIXTURES / "syntax_small.conllu",), max_len=32,
                         max_segments=12, distance_rows=200, cache=False, site=False,
                         device=device, precision=precision)
    written = build_results(config, Timings())
    return {name: json.loads(path.read_text()) for name, path in written.items()}


COMPARED = {"general": ("metrics", "reference", "layer_means"),
            "heads": ("distance", "pattern_scores"), "gradients": ("per_head",),
            "syntax": ("sentences", "words_scored")}  # argmax accuracies tie on random maps


def example_maps(examples: dict) -> list:
    return [[[decode_map(m) for m in row] for row in e["maps"]] for e in examples["examples"]]


@pytest.mark.slow
@needs_cuda
def test_cuda_build_matches_cpu_build(tiny_bert, tmp_path):
    cpu = _build(tiny_bert, tmp_path, "cpu")
    gpu = _build(tiny_bert, tmp_path, "cuda")
    for name, keys in COMPARED.items():
        for key in keys:
            assert_close(cpu[name][key], gpu[name][key], 1e-4, f"{name}.{key}")
    # example maps are stored in thousandths: a value on a rounding step may differ by one
    assert_close(example_maps(cpu["examples"]), example_maps(gpu["examples"]), 1.5e-3, "maps")


@pytest.mark.slow
@needs_cuda
def test_cuda_half_precision_is_close_to_float32(tiny_bert, tmp_path):
    full = _build(tiny_bert, tmp_path, "cuda")
    half = _build(tiny_bert, tmp_path, "cuda", "float16")
    assert_close(full["general"]["metrics"], half["general"]["metrics"], 1e-2, "general")
    assert_close(full["heads"]["distance"], half["heads"]["distance"], 1e-2, "distance")
