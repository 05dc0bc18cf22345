"""Norm-based attention on tiny random models: the captured values and the found output
projection rebuild the attention block's own output, and the norms are those of f(x_j)."""

from __future__ import annotations

import pytest
import torch

from generator.model.layer_capture import attention_layers, capture_layers, capture_values
from generator.model.value_norms import (
    _parent,
    capture_value_norms,
    head_outputs,
    output_projection,
    unsupported,
)
from tests.helpers import make_tiny_decoder, make_tiny_model

ENCODERS = ("bert", "roberta")
DECODERS = ("gpt2", "llama", "gpt_neox", "opt", "qwen2", "qwen3", "mistral", "gemma2",
            "gemma3_text", "phi3")


def _model(kind: str, folder):
    from transformers import AutoModel, AutoModelForCausalLM

    if kind in ENCODERS:
        path = make_tiny_model(folder, kind, layers=2, heads=4)
        model = AutoModel.from_pretrained(path, attn_implementation="eager")
    else:
        path = make_tiny_decoder(folder, kind, layers=2, heads=4)
        model = AutoModelForCausalLM.from_pretrained(path, attn_implementation="eager").base_model
    model.eval()
    with torch.no_grad():  # non-zero biases, so b_V and b_O both matter
        for name, param in model.named_parameters():
            if name.endswith("bias"):
                param.normal_(0, 0.5)
    return model


@pytest.mark.parametrize("kind", ENCODERS + DECODERS)
def test_head_outputs_rebuild_the_attention_output(kind: str, tmp_path) -> None:
    model = _model(kind, tmp_path / kind)
    torch.manual_seed(1)
    ids = torch.randint(5, 60, (2, 9))
    mask = torch.ones_like(ids)
    mask[1, 6:] = 0  # right padding
    values: dict[int, tuple[torch.nn.Module, torch.Tensor]] = {}
    weights: dict[int, torch.Tensor] = {}
    projected: dict[int, torch.Tensor] = {}
    norms: dict[int, torch.Tensor] = {}
    hooks = []
    for module in attention_layers(model):
        weight, _ = output_projection(module, _parent(model, module))
        proj = next(m for m in model.modules()  # the projection module itself, to hook
                    if isinstance(getattr(m, "weight", None), torch.Tensor)
                    and m.weight.data_ptr() == weight.data_ptr())
        hooks.append(proj.register_forward_hook(
            lambda m, a, out, layer=module.layer_idx: projected.__setitem__(layer, out)))
    assert len(hooks) == 2

    def see(module, value):
        values[int(module.layer_idx)] = (module, value.detach().clone())

    with torch.no_grad(), capture_values(model, see), \
            capture_layers(model, lambda layer, w: weights.__setitem__(layer, w.clone())):
        model(input_ids=ids, attention_mask=mask)
    with torch.no_grad(), capture_value_norms(model, norms.__setitem__):
        model(input_ids=ids, attention_mask=mask)
    for layer in (0, 1):
        module, value = values[layer]
        weight, bias = output_projection(module, _parent(model, module))
        f = head_outputs(value.double(), weight.detach().double())  # [B, H, N, D]
        a = weights[layer].double()  # [B, H, N, N]
        rebuilt = torch.einsum("bhij,bhjo->bio", a, f)
        if bias is not None:
            rebuilt = rebuilt + bias.double()
        actual = projected[layer].double()
        for b, n in ((0, 9), (1, 6)):
            torch.testing.assert_close(rebuilt[b, :n], actual[b, :n], atol=1e-5, rtol=0)
        torch.testing.assert_close(norms[layer].double(), f.norm(dim=-1), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", ["albert", "mpnet", "distilbert"])
def test_encoders_whose_values_cannot_be_captured_say_why(kind: str, tmp_path) -> None:
    from transformers import AutoModel

    model = AutoModel.from_pretrained(make_tiny_model(tmp_path / kind, kind),
                                      attn_implementation="eager")
    assert "no attention layer" in unsupported(model, 2)


def test_supported_models_say_nothing(tmp_path) -> None:
    assert unsupported(_model("bert", tmp_path / "bert"), 2) is None
    assert unsupported(_model("llama", tmp_path / "llama"), 2) is None
