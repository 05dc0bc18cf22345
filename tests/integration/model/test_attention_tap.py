"""Every supported architecture gets an attention tap whose stopped passes give the whole
pass's weights, bit for bit, and skip the modules after the last layer's weights."""

import dataclasses

import pytest
import torch

from generator.config import BuildConfig
from generator.model.extraction import plan_batches, run_batch
from generator.model.loading import load_model
from generator.streams.general import prepare_general
from tests.helpers import ARCHITECTURES, SAMPLE_TEXT


def _called(model: torch.nn.Module, run) -> list[str]:
    names: list[str] = []
    handles = [m.register_forward_hook(lambda m, a, o, n=n: names.append(n))
               for n, m in model.named_modules() if n]
    try:
        run()
    finally:
        for h in handles:
            h.remove()
    return names


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_tap_matches_the_whole_pass_and_stops_early(tiny_model_dir, kind, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text(SAMPLE_TEXT)
    lm = load_model(str(tiny_model_dir(kind)))
    assert lm.attention_tap is not None
    whole = dataclasses.replace(lm, attention_tap=None)
    # short segments kept: without them most architectures get a single segment (no padding)
    config = BuildConfig(model="x", text=corpus, max_len=40, keep_short_segments=True)
    segments = prepare_general(config, lm).segments
    indices = plan_batches(segments, 3)[-1]  # unequal lengths: padding in the batch
    tapped = run_batch(lm, segments, indices)
    reference = run_batch(whole, segments, indices)
    assert torch.equal(tapped.attentions, reference.attentions)
    assert torch.equal(tapped.lengths, reference.lengths)
    ids = torch.tensor([segments[indices[0]].input_ids])
    with torch.inference_mode():
        short = _called(lm.model, lambda: lm.attention_tap.attentions(lm.model,
                                                                      {"input_ids": ids}))
        full = _called(lm.model, lambda: lm.model(input_ids=ids, output_attentions=True))
    assert short == full[: len(short)] and len(short) < len(full)
