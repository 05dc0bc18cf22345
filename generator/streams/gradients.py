"""The gradients stream: a seeded sample of the general segments, run with a backward pass.

The segments are the general stream's (same corpus, same cuts); ``gradient_segments`` of them are
drawn with the build's seed. The batches come from ``GradientExtractor`` (never from the attention
cache), whose objective (masked-LM or representation) is named in the results. The representation
objective runs the segments as they are, so its forward pass gives the very attention the general
stream would compute: the batches are lent to the general analyses, which skip those segments
(the masked-LM objective corrupts its input, so nothing is lent then).
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from generator.config import BuildConfig
from generator.model.gradients import REPRESENTATION, GradientExtractor
from generator.model.loading import LoadedModel
from generator.streams.base import Lending, StreamInput
from generator.streams.general import prepare_general


def prepare_gradients(config: BuildConfig, lm: LoadedModel,
                      earlier: Mapping[str, StreamInput] | None = None) -> StreamInput | None:
    if config.gradient_segments == 0:
        return None
    general = (earlier or {}).get("general") or prepare_general(config, lm)
    segments = general.segments
    k = min(config.gradient_segments, len(segments))
    chosen = sorted(random.Random(config.seed).sample(range(len(segments)), k))
    sample = [segments[i] for i in chosen]
    extractor = GradientExtractor.for_model(lm, seed=config.seed)
    corpus = {**general.header.get("corpus", {}), "segments": len(sample),
              "tokens": sum(len(s) for s in sample), "sampled_from": len(segments)}
    return StreamInput(segments=sample, data=sample,
                       header={"corpus": corpus, "objective": extractor.describe()},
                       inputs=general.inputs,
                       description="Attention gradients (general corpus sample)",
                       extractor=extractor,
                       lends=Lending("general", chosen)
                       if extractor.objective == REPRESENTATION else None)
