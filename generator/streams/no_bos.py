"""The no-BOS stream (decoders with ``--bos on``, SPEC section 11): a seeded sample of the
general segments run again without their BOS token, so that ``add_sinks`` can tell whether a
head's sink is the BOS token or position 0 (Xiao et al. 2023 found position 0).

``sink_sample`` segments (0: off) are drawn with the build's seed from the general segments that
start with the BOS token and keep at least two tokens without it (a row i >= 1); each is the same
segment with position 0 removed. ``NoBosSurface`` writes their statistics under general.json's
``no_bos``. The stream's header is empty: its results join general.json, whose corpus is the
general stream's.
"""

from __future__ import annotations

import random

from generator.config import BuildConfig
from generator.encoding.segment import Segment
from generator.encoding.special_tokens import decoder_bos_id
from generator.model.loading import LoadedModel
from generator.streams.base import StreamInput


def without_first(segment: Segment) -> Segment:
    """``segment`` without its position 0."""
    return Segment(segment.input_ids[1:], segment.token_type_ids[1:], segment.word_ids[1:],
                   f"{segment.source} (no BOS)", segment.words)


def prepare_no_bos(config: BuildConfig, lm: LoadedModel, *,
                   general_segments: list[Segment] | None) -> StreamInput | None:
    """The sample without BOS; None with ``--bos off``, ``sink_sample`` 0, no general stream or
    no general segment that starts with BOS."""
    if config.bos != "on" or config.sink_sample == 0 or general_segments is None:
        return None
    bos_id = decoder_bos_id(lm.tokenizer)
    usable = [k for k, s in enumerate(general_segments)
              if len(s) >= 3 and s.input_ids[0] == bos_id]
    if not usable:
        return None
    chosen = sorted(random.Random(config.seed).sample(usable,
                                                      min(config.sink_sample, len(usable))))
    return StreamInput(segments=[without_first(general_segments[k]) for k in chosen],
                       description="Extracting attention (general sample without BOS)")
