"""Figure 3 with the default model (a sentence encoder: the representation objective)."""

from dataclasses import replace

import pytest

from generator.analyses.base import AnalysisContext
from generator.analyses.gradients import GradientImportance, add_gradient_layer_means
from generator.config import make_config
from generator.corpus.gradient_sample import prepare_gradients
from generator.model.loading import load_model

pytestmark = pytest.mark.slow


def test_figure3_with_default_model():
    config = make_config({"max_segments": 100, "gradient_segments": 24})
    lm = load_model("default")
    stream = prepare_gradients(config, lm)
    assert stream.header["objective"]["name"] == "representation"
    acc = GradientImportance(AnalysisContext(lm.num_layers, lm.num_heads, replace(config)))
    for batch in stream.extractor(stream.segments, batch_size=8, description="gradients"):
        acc.update(batch)
    docs = {"gradients": acc.result()}
    add_gradient_layer_means(docs)
    per_layer = docs["gradients"]["per_layer"]
    print("\nFigure 3, default model, mean |dL/dA| per layer (representation objective):")
    for group in ("sep", "punct", "other", "cls"):
        print(f"  {group:<6}", " ".join(f"{v:.3g}" for v in per_layer[group]))
    assert docs["gradients"]["segments"] == 24
    for group in ("sep", "other", "cls"):
        assert all(v > 0 for v in per_layer[group])
