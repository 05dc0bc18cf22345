"""The synthetic stream (decoders only, SPEC section 11): seeded repeated random sequences
``[BOS] + R + R`` (``generator.synthetic``) for the induction and duplicate-token scores.

R holds ``SYNTHETIC_LENGTH`` tokens drawn uniformly from the vocabulary without special or added
tokens (the tokenizer's specials, chat markers and any other added token; ids the embedding
matrix lacks are left out too), ``SYNTHETIC_COUNT`` sequences, seeded with the build's seed. The
sequences start with the BOS token when ``--bos on``. A model whose context is shorter than
``2 * SYNTHETIC_LENGTH + 1`` tokens gets the longest R that fits.
"""

from __future__ import annotations

from typing import Any

from generator.config import BuildConfig
from generator.encoding.segment import Segment
from generator.encoding.special_tokens import decoder_bos_id
from generator.errors import HeadAtlasError
from generator.model.loading import LoadedModel
from generator.streams.base import StreamInput
from generator.synthetic import layout_of, synthetic_sequences

SYNTHETIC_COUNT = 100
SYNTHETIC_LENGTH = 50


def allowed_token_ids(tokenizer: Any, vocab_size: int) -> list[int]:
    """The ids R is drawn from: ``0..vocab_size-1`` without the tokenizer's special tokens and
    every token added on top of its vocabulary (``added_tokens_decoder``)."""
    excluded = set(tokenizer.all_special_ids) | set(getattr(tokenizer, "added_tokens_decoder",
                                                            {}))
    return [i for i in range(vocab_size) if i not in excluded]


def prepare_synthetic(config: BuildConfig, lm: LoadedModel) -> StreamInput:
    """``SYNTHETIC_COUNT`` sequences ``[BOS] + R + R`` as segments; their layout
    (``SyntheticLayout``) is the stream's data, for ``InductionScores``."""
    bos_id = decoder_bos_id(lm.tokenizer) if config.bos == "on" else None
    offset = 0 if bos_id is None else 1
    length = min(SYNTHETIC_LENGTH, (lm.max_positions - offset) // 2)
    vocab = min(len(lm.tokenizer), lm.model.get_input_embeddings().num_embeddings)
    allowed = allowed_token_ids(lm.tokenizer, vocab)
    if length < 2 or not allowed:
        raise HeadAtlasError(f"model '{lm.name}' leaves no room for the synthetic induction "
                             "sequences (context or vocabulary too small)", path="--model")
    sequences = synthetic_sequences(allowed, SYNTHETIC_COUNT, length, seed=config.seed,
                                    bos_id=bos_id)
    segments = [Segment(tuple(ids), (0,) * len(ids), (-1,) * len(ids), f"synthetic {k}")
                for k, ids in enumerate(sequences)]
    return StreamInput(segments=segments, data=layout_of(length, bos_id),
                       description="Extracting attention (synthetic repeated sequences)")
