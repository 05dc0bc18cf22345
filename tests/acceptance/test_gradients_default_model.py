"""Figure 3 with the default model (a sentence encoder: the representation objective), checked
against a straightforward computation: one unpadded segment at a time, autograd on the attention
weights the model returns, groups read from the token ids."""

import pytest
import torch

from generator.analyses.base import AnalysisContext
from generator.analyses.gradients import GradientImportance, add_gradient_layer_means
from generator.config import make_config
from generator.model.loading import load_model
from generator.streams.general import prepare_general
from generator.streams.gradients import prepare_gradients

pytestmark = pytest.mark.slow

SEGMENTS = 8


def straightforward_figure3(lm, segments, seed: int) -> tuple[dict, dict]:
    """Per group: [layer][head] mean |dL/dA| over rows and the group's columns, averaged over
    the segments that have the group; and how many segments have it. L = sum_t <r_t, h_t>, r a
    standard Gaussian per position drawn from a generator seeded with the build's seed."""
    tok = lm.tokenizer
    hidden = lm.model.config.hidden_size
    r = torch.randn(lm.max_positions, hidden, generator=torch.Generator().manual_seed(seed))
    sums: dict[str, torch.Tensor] = {}
    counts = {"sep": 0, "punct": 0, "other": 0, "cls": 0}
    for seg in segments:
        ids = list(seg.input_ids)
        n = len(ids)
        with torch.enable_grad():
            out = lm.model(input_ids=torch.tensor([ids]),
                           token_type_ids=torch.tensor([list(seg.token_type_ids)]),
                           output_attentions=True)
            loss = (out.last_hidden_state[0] * r[:n]).sum()
            grads = torch.autograd.grad(loss, out.attentions)
        g = torch.stack([x[0] for x in grads]).abs().double()  # [L, H, n, n]
        tokens = tok.convert_ids_to_tokens(ids)
        sep = [t == tok.sep_token_id for t in ids]
        punct = [t in (".", ",") for t in tokens]
        groups = {"sep": sep, "punct": punct,
                  "other": [not s and not p for s, p in zip(sep, punct, strict=True)],
                  "cls": [t == tok.cls_token_id for t in ids]}
        for name, cols in groups.items():
            chosen = [j for j, c in enumerate(cols) if c]
            if not chosen:
                continue
            counts[name] += 1
            mean = g[:, :, :, chosen].mean((-1, -2))  # all n rows, the group's columns
            sums[name] = sums.get(name, 0) + mean
    return {k: v / counts[k] for k, v in sums.items()}, counts


def test_figure3_with_default_model():
    # short segments kept: the sample then has segments of unequal length (padded batches)
    config = make_config({"max_segments": 60, "gradient_segments": SEGMENTS,
                          "keep_short_segments": True})
    lm = load_model("default")
    general = prepare_general(config, lm)
    stream = prepare_gradients(config, lm, general_segments=general.segments,
                               general_header=general.header, general_inputs=general.inputs)
    assert stream.header["objective"]["name"] == "representation"
    acc = GradientImportance(AnalysisContext(lm.num_layers, lm.num_heads, config))
    for batch in stream.extractor(stream.segments, batch_size=8, description="gradients"):
        acc.update(batch)
    docs = {"gradients": acc.result()}
    add_gradient_layer_means(docs)
    doc = docs["gradients"]
    per_layer = doc["per_layer"]
    print("\nFigure 3, default model, mean |dL/dA| per layer (representation objective):")
    for group in ("sep", "punct", "other", "cls"):
        print(f"  {group:<6}", " ".join(f"{v:.3g}" for v in per_layer[group]))

    expected, counts = straightforward_figure3(lm, stream.segments, config.seed)
    assert doc["segments"] == SEGMENTS
    assert doc["segments_with_group"] == counts
    assert counts["sep"] == counts["other"] == counts["cls"] == SEGMENTS
    assert counts["punct"] > 0  # the comparison covers punctuation too
    lengths = {len(s) for s in stream.segments}
    assert len(lengths) > 1  # segments of unequal length: the project's batches are padded
    for group, grid in expected.items():
        ours = torch.tensor(doc["per_head"][group], dtype=torch.float64)
        assert torch.allclose(ours, grid, rtol=1e-4, atol=0), group
        layer = torch.tensor(per_layer[group], dtype=torch.float64)
        assert torch.allclose(layer, grid.mean(1), rtol=1e-4, atol=0), group
