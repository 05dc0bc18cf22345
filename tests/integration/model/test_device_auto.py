"""``--device auto`` (accelerate's ``device_map="auto"``, for a model larger than one GPU).

This machine has no GPU: ``auto`` then places the whole model on the CPU, and a model split over
devices is stood in for by a layer offloaded to disk (accelerate's hooks move its weights in for
each pass, as they move activations between GPUs). Several GPUs were not tested."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
import torch

from generator.cli.main import main
from generator.model.loading import load_model
from tests.helpers import SAMPLE_TEXT


def build(model: Path, out: Path, corpus: Path, *extra: str) -> dict[str, str]:
    assert main(["build", "--model", str(model), "--text", str(corpus), "--out", str(out),
                 "--no-site", "--no-cache", "--max-len", "24", "--gradient-segments", "2",
                 "--batch-size", "3", *extra]) == 0
    return {p.name: p.read_text() for p in (out / "results").glob("*.json")}


def without_manifest(results: dict[str, str]) -> dict[str, str]:
    return {name: text for name, text in results.items() if name != "manifest.json"}


@pytest.fixture()
def corpus(tmp_path) -> Path:
    f = tmp_path / "corpus.txt"
    f.write_text(SAMPLE_TEXT * 3)
    return f


def test_auto_loads_and_builds_as_the_cpu(tiny_decoder_dir, corpus, tmp_path):
    folder = tiny_decoder_dir("llama")
    lm = load_model(str(folder), decoders=True, device="auto")
    assert lm.device == torch.device("cpu")
    cpu = build(folder, tmp_path / "cpu", corpus)
    auto = build(folder, tmp_path / "auto", corpus, "--device", "auto")
    assert json.loads(auto["manifest.json"])["settings"]["device"] == "auto"
    assert without_manifest(auto) == without_manifest(cpu)
    assert {"general.json", "gradients.json", "heads.json"} <= set(auto)


@pytest.fixture()
def one_layer_on_disk(monkeypatch, tmp_path):
    """``device_map="auto"`` replaced by a map that offloads layer 1 to disk."""
    from transformers import AutoModelForCausalLM

    real = AutoModelForCausalLM.from_pretrained.__func__
    maps: list[dict] = []

    def from_pretrained(cls, *args, **kwargs):
        if kwargs.get("device_map") == "auto":
            kwargs["device_map"] = {"model.embed_tokens": "cpu", "model.layers.0": "cpu",
                                    "model.layers.1": "disk", "model.norm": "cpu",
                                    "model.rotary_emb": "cpu", "lm_head": "cpu"}
            kwargs["offload_folder"] = str(tmp_path / "offload")
        model = real(cls, *args, **kwargs)
        maps.append(getattr(model, "hf_device_map", None))
        return model

    monkeypatch.setattr(AutoModelForCausalLM, "from_pretrained", classmethod(from_pretrained))
    return maps


@pytest.mark.parametrize("slices", ["off", "on"])
def test_a_dispatched_model_gives_the_cpu_results(tiny_decoder_dir, corpus, tmp_path,
                                                  one_layer_on_disk, slices):
    """Attention gathered from layers behind accelerate's hooks, the layer capture and the
    gradients' backward through them: the very results of a plain CPU build."""
    folder = tiny_decoder_dir("llama")
    # an offloaded layer's output projection is not there while its attention runs, so the
    # norm-based analysis is left out (value_norms.unsupported); the CPU build without it
    cpu = build(folder, tmp_path / "cpu", corpus, "--layer-slices", slices, "--no-norms")
    auto = build(folder, tmp_path / "auto", corpus, "--device", "auto", "--layer-slices", slices)
    assert one_layer_on_disk[-1] is not None and one_layer_on_disk[-1]["model.layers.1"] == "disk"
    assert not (tmp_path / "auto" / "results" / "norms.json").exists()
    assert without_manifest(auto) == without_manifest(cpu)


def test_auto_without_accelerate(tiny_decoder_dir, corpus, tmp_path, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "accelerate" else real(name, *a))
    capsys.readouterr()
    assert main(["build", "--model", str(tiny_decoder_dir("llama")), "--text", str(corpus),
                 "--out", str(tmp_path / "o"), "--no-site", "--device", "auto"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == ('headatlas: error: --device: --device auto needs the package '
                           'accelerate: pip install "headatlas[decoder]"')
