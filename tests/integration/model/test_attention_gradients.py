"""dL/dA from the gradient extractor against finite differences on tiny models (SPEC 4).

The check perturbs one post-softmax attention weight inside BERT's eager attention (the function
transformers looks up at call time) and compares the change of the segment's loss with the
reported gradient, in float64.
"""

import json
import subprocess
import sys
from contextlib import contextmanager

import pytest
import torch
import transformers.models.bert.modeling_bert as modeling_bert

from generator.encoding.words import encode_words
from generator.model.gradients import MASKED_LM, REPRESENTATION, GradientExtractor
from generator.model.loading import load_model
from tests.helpers import make_tiny_model

SENTENCES = (["the", "cat", "saw", "the", "dog", "."],
             ["john", "went", "to", "london", ",", "and", "mary", "made", "a", "new", "book"])


@contextmanager
def perturbed(layer: int, b: int, head: int, i: int, j: int, eps: float):
    original = modeling_bert.eager_attention_forward

    def eager_with_perturbation(module, query, key, value, attention_mask, scaling=None,
                                dropout=0.0, **kwargs):
        weights = torch.matmul(query, key.transpose(2, 3)) * scaling
        if attention_mask is not None:
            weights = weights + attention_mask
        weights = torch.softmax(weights, dim=-1)
        if module.layer_idx == layer:
            weights = weights.clone()
            weights[b, head, i, j] += eps
        return torch.matmul(weights, value).transpose(1, 2).contiguous(), weights

    modeling_bert.eager_attention_forward = eager_with_perturbation
    try:
        yield
    finally:
        modeling_bert.eager_attention_forward = original


def float64_extractor(folder) -> tuple[GradientExtractor, list]:
    lm = load_model(str(folder))
    ex = GradientExtractor.for_model(lm, seed=5)
    ex.module.double()
    if ex.objective == REPRESENTATION:
        ex.directions = ex.directions.double()
    segs = [encode_words(w, lm.tokenizer, lm.template, max_len=64) for w in SENTENCES]
    return ex, segs


@pytest.mark.parametrize("masked_lm", [False, True])
def test_gradients_match_finite_differences(tiny_model_dir, masked_lm):
    ex, segs = float64_extractor(tiny_model_dir("bert", masked_lm=masked_lm))
    assert ex.objective == (MASKED_LM if masked_lm else REPRESENTATION)
    inputs = ex._inputs(segs, [0, 1])  # segment 0 is padded in this batch
    batch = ex.run_batch(segs, [0, 1])
    with torch.enable_grad():
        losses, attentions = ex.losses(inputs)
        grads = torch.autograd.grad(losses.sum(), attentions)
    # the batch holds the same gradients (as float32), zero on padding
    n0 = len(segs[0])
    expected = torch.stack(grads, 1).float()
    assert torch.allclose(batch.gradients[1], expected[1], atol=1e-6)
    assert torch.allclose(batch.gradients[0, :, :, :n0, :n0], expected[0, :, :, :n0, :n0],
                          atol=1e-6)
    assert batch.gradients[0, :, :, n0:, :].abs().sum() == 0
    assert batch.gradients[0, :, :, :, n0:].abs().sum() == 0
    gen = torch.Generator().manual_seed(0)
    checked = 0
    for layer, g in enumerate(grads):
        for b, seg in enumerate(segs):
            n = len(seg)
            flat = g[b, :, :n, :n].abs().flatten()
            picks = flat.topk(3).indices.tolist()
            picks += torch.randint(flat.numel(), (3,), generator=gen).tolist()
            for p in picks:
                head, rest = divmod(p, n * n)
                i, j = divmod(rest, n)
                eps = 1e-6
                values = []
                for sign in (1, -1):
                    with perturbed(layer, b, head, i, j, sign * eps), torch.no_grad():
                        values.append(float(ex.losses(inputs)[0][b]))
                fd = (values[0] - values[1]) / (2 * eps)
                assert fd == pytest.approx(float(g[b, head, i, j]), rel=1e-5, abs=1e-9)
                checked += 1
    assert checked == 2 * 2 * 6
    assert any(float(g.abs().max()) > 1e-4 for g in grads)  # the check was not all zeros


def test_segment_gradients_do_not_depend_on_batching(tiny_model_dir):
    lm = load_model(str(tiny_model_dir("bert", masked_lm=True)))
    ex = GradientExtractor.for_model(lm, seed=5)
    segs = [encode_words(w, lm.tokenizer, lm.template, max_len=64) for w in SENTENCES]
    alone = ex.run_batch(segs, [0])
    together = ex.run_batch(segs, [1, 0])
    n = len(segs[0])
    assert torch.allclose(alone.gradients[0], together.gradients[1, :, :, :n, :n], atol=1e-6)


def test_head_declared_but_missing_falls_back(tmp_path):
    folder = make_tiny_model(tmp_path / "m", "bert", masked_lm=False)
    config = json.loads((folder / "config.json").read_text())
    config["architectures"] = ["BertForMaskedLM"]
    (folder / "config.json").write_text(json.dumps(config))
    ex = GradientExtractor.for_model(load_model(str(folder)), seed=0)
    assert ex.objective == REPRESENTATION
    assert "missing" in ex.describe()["note"]


VALUE_PROJECTIONS = ("attention.self.value", "attention.v_lin", "attention.value",
                     "attention.attn.v")
"""Per architecture, the linear map giving the attention's values V ..."""
OUTPUT_PROJECTIONS = ("attention.output.dense", "attention.out_lin", "attention.dense",
                      "attention.attn.o")
"""... and the one whose input is the context C = A V (heads side by side)."""


def gradients_through_values(model, input_ids: list[int], directions: torch.Tensor,
                             heads: int) -> torch.Tensor:
    """``dL/dA [L, H, n, n]`` of one unpadded segment without reading the attention weights:
    since C = A V, ``dL/dA[h, i, j] = sum_d dL/dC[i, h, d] * V[j, h, d]``; L = sum_t <r_t, h_t>.
    Hooks catch V and C in call order (ALBERT runs one shared layer several times)."""
    values, contexts, hooks = [], [], []
    for name, module in model.named_modules():
        if name.endswith(VALUE_PROJECTIONS):
            hooks.append(module.register_forward_hook(
                lambda _m, _args, out: values.append(out)))
        elif name.endswith(OUTPUT_PROJECTIONS):
            hooks.append(module.register_forward_pre_hook(
                lambda _m, args: contexts.append(args[0])))
    try:
        with torch.enable_grad():
            hidden = model(input_ids=torch.tensor([input_ids])).last_hidden_state[0]
            loss = (hidden * directions[: len(input_ids)]).sum()
            grads = torch.autograd.grad(loss, contexts)
    finally:
        for hook in hooks:
            hook.remove()
    n = len(input_ids)
    out = []
    for v, g in zip(values, grads, strict=True):
        out.append(torch.einsum("ihd,jhd->hij", g[0].reshape(n, heads, -1),
                                v[0].detach().reshape(n, heads, -1)))
    return torch.stack(out)


@pytest.mark.parametrize("kind", ["bert", "roberta", "distilbert", "albert", "electra", "mpnet"])
def test_architectures_give_the_gradient_through_their_values(tiny_model_dir, kind):
    """The reported dL/dA is the derivative through the weights each architecture actually
    multiplies with its values: autograd would refuse a tensor the loss does not use, and this
    computes dL/dA from dL/dC and V (C = A V) without the returned weights, in float64."""
    lm = load_model(str(tiny_model_dir(kind)))
    ex = GradientExtractor.for_model(lm, seed=0)
    ex.module.double()
    ex.directions = ex.directions.double()
    segs = [encode_words(w, lm.tokenizer, lm.template, max_len=64) for w in SENTENCES]
    batch = ex.run_batch(segs, [0, 1])  # segment 0 is padded in this batch
    assert batch.gradients.shape[1:3] == (lm.num_layers, lm.num_heads) == (2, 4)
    for b, seg in enumerate(segs):
        assert set(seg.token_type_ids) == {0}  # so the plain forward below sees the same input
        n = len(seg)
        expected = gradients_through_values(ex.module, list(seg.input_ids), ex.directions,
                                            lm.num_heads).float()
        assert expected.shape == (2, 4, n, n)
        assert expected.abs().max() > 1e-3  # a real check, not zeros against zeros
        assert torch.allclose(batch.gradients[b, :, :, :n, :n], expected, rtol=1e-5,
                              atol=1e-7)
        assert batch.gradients[b, :, :, n:].abs().sum() == 0
        assert batch.gradients[b, :, :, :, n:].abs().sum() == 0


BANNER_CHECK = """
import sys
from transformers.utils import logging as hf_logging
from generator.model.gradients import GradientExtractor
from generator.model.loading import load_model
lm = load_model(sys.argv[1])
level = hf_logging.get_verbosity()
ex = GradientExtractor.for_model(lm, seed=0)
assert hf_logging.get_verbosity() == level
print(ex.objective, ex.describe()["note"])
"""


def test_missing_head_fallback_prints_no_transformers_banner(tmp_path):
    """all-mpnet-base-v2's case: the config names MPNetForMaskedLM, the weights are the base
    model's. transformers' "checkpoint seem corrupted" warning and load-report table stay off
    stderr (headatlas explains the fallback in the objective's note) and its log level is
    restored. A child process, so stderr is the real one transformers' handler writes to."""
    folder = make_tiny_model(tmp_path / "m", "mpnet", masked_lm=False)
    config = json.loads((folder / "config.json").read_text())
    config["architectures"] = ["MPNetForMaskedLM"]
    (folder / "config.json").write_text(json.dumps(config))
    done = subprocess.run([sys.executable, "-c", BANNER_CHECK, str(folder)],
                          capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.startswith(REPRESENTATION) and "missing" in done.stdout
    for noise in ("corrupted", "LOAD REPORT", "MISSING"):
        assert noise not in done.stderr
