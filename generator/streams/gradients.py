"""The gradients stream: a seeded sample of the general segments, run with a backward pass.

The segments are the general stream's (same corpus, same cuts), taken with the general corpus
summary and input digests as declared needs (``Need("general", ...)`` in its registry entry);
``gradient_segments`` of them are drawn with the build's seed. The batches come from
``GradientExtractor`` (never from the attention cache), whose objective (masked-LM,
representation, or a decoder's next-token loss) is named in the results. The representation and
next-token objectives run the segments as they are, so their forward pass gives the very attention
the general stream would compute: the batches are lent to the general analyses (the entry's
``lends_to``), which skip those segments (the masked-LM objective corrupts its input, so nothing
is lent then).
"""

from __future__ import annotations

import random
from typing import Any

from generator.config import BuildConfig
from generator.encoding.segment import Segment
from generator.model.gradients import UNCHANGED_INPUT, GradientExtractor
from generator.model.loading import LoadedModel
from generator.streams.base import Lending, StreamInput


def prepare_gradients(config: BuildConfig, lm: LoadedModel, *,
                      general_segments: list[Segment] | None,
                      general_header: dict[str, Any] | None,
                      general_inputs: dict[str, str] | None) -> StreamInput | None:
    """A sample of the general stream's segments (``general_*``: that stream's segments, header
    and input digests); None when no sample is asked for or there is no general stream."""
    if config.gradient_segments == 0 or general_segments is None:
        return None
    segments = general_segments
    k = min(config.gradient_segments, len(segments))
    chosen = sorted(random.Random(config.seed).sample(range(len(segments)), k))
    sample = [segments[i] for i in chosen]
    extractor = GradientExtractor.for_model(lm, seed=config.seed)
    lends = extractor.objective in UNCHANGED_INPUT
    extractor.norms = config.norms and lends  # the lent batches serve the norm-based analysis
    corpus = {**(general_header or {}).get("corpus", {}), "segments": len(sample),
              "tokens": sum(len(s) for s in sample), "sampled_from": len(segments)}
    return StreamInput(segments=sample, data=sample,
                       header={"corpus": corpus, "objective": extractor.describe()},
                       inputs=general_inputs or {},
                       description="Attention gradients (general corpus sample)",
                       extractor=extractor,
                       lends=Lending(chosen) if lends else None)
