"""The general stream: segments from --segments, --text or the embedded Wikipedia sample."""

from __future__ import annotations

from generator.config import BuildConfig
from generator.corpus.text_cache import corpus_documents
from generator.encoding.segments import (
    build_decoder_segments,
    build_segments,
    load_segments_json,
)
from generator.model.loading import LoadedModel
from generator.results import file_digest
from generator.streams.base import StreamInput, stream_max_len


def prepare_general(config: BuildConfig, lm: LoadedModel) -> StreamInput:
    """The segments of SPEC section 1 cut from the plain-text corpus (kept as ``text`` for the
    streams that need it), or those of a --segments file (no text then).

    ``max_len`` is at most the model's positions (``stream_max_len``). A decoder (SPEC section
    11) gets ``build_decoder_segments`` (no A/B split, BOS first with ``--bos on``) and all
    token types 0; a --segments file's ``tokens`` lists are taken as given and its ``text``
    entries get the decoder template (BOS per ``--bos``)."""
    text = None
    decoder = lm.kind == "decoder"
    zero = config.token_types == "zeros" or decoder
    max_len = stream_max_len(config, lm)
    common = {"max_len": max_len, "max_segments": config.max_segments}
    if config.segments is not None:
        segs, report = load_segments_json(config.segments, lm.tokenizer, lm.template,
                                          zero_types=zero, **common)
        desc = f"segments from {config.segments.name}"
        inputs = {str(config.segments): file_digest(config.segments)}
    else:
        text = corpus_documents(config)
        desc, inputs = text.description, text.inputs
        if decoder:
            segs, report = build_decoder_segments(text.documents, lm.tokenizer, lm.template,
                                                  seed=config.seed,
                                                  keep_short=config.keep_short_segments,
                                                  **common)
        else:
            segs, report = build_segments(text.documents, lm.tokenizer, lm.template,
                                          seed=config.seed, keep_short=config.keep_short_segments,
                                          zero_types=zero, **common)
    corpus = {"segments": len(segs), "tokens": sum(len(s) for s in segs), "description": desc,
              **report.as_dict()}
    return StreamInput(segments=segs, data=segs, header={"corpus": corpus}, inputs=inputs,
                       text=text, description="Extracting attention (general corpus)")
