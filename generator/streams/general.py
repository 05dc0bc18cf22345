"""The general stream: segments from --segments, --text or the embedded Wikipedia sample."""

from __future__ import annotations

from generator.config import BuildConfig
from generator.corpus.text_cache import corpus_documents
from generator.encoding.segments import build_segments, load_segments_json
from generator.model.loading import LoadedModel
from generator.results import file_digest
from generator.streams.base import StreamInput


def prepare_general(config: BuildConfig, lm: LoadedModel) -> StreamInput:
    """The segments of SPEC section 1 cut from the plain-text corpus (kept as ``text`` for the
    streams that need it), or those of a --segments file (no text then)."""
    text = None
    zero = config.token_types == "zeros"
    common = {"max_len": config.max_len, "max_segments": config.max_segments, "zero_types": zero}
    if config.segments is not None:
        segs, report = load_segments_json(config.segments, lm.tokenizer, lm.template, **common)
        desc = f"segments from {config.segments.name}"
        inputs = {str(config.segments): file_digest(config.segments)}
    else:
        text = corpus_documents(config)
        desc, inputs = text.description, text.inputs
        segs, report = build_segments(text.documents, lm.tokenizer, lm.template,
                                      seed=config.seed, keep_short=config.keep_short_segments,
                                      **common)
    corpus = {"segments": len(segs), "tokens": sum(len(s) for s in segs), "description": desc,
              **report.as_dict()}
    return StreamInput(segments=segs, data=segs, header={"corpus": corpus}, inputs=inputs,
                       text=text, description="Extracting attention (general corpus)")
