"""The coref stream: windows of a coreference-annotated file (``--coref``) as model segments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from generator.config import BuildConfig
from generator.corpus.coref import corpus_summary, read_coref
from generator.corpus.coref_windows import CorefWindow, build_windows
from generator.encoding.words import encode_words
from generator.model.loading import LoadedModel
from generator.results import file_digest
from generator.streams.base import StreamInput, stream_max_len


@dataclass
class CorefData:
    """What the coreference analysis needs: windows indexed like the segments, and counts."""

    windows: list[CorefWindow]
    documents: list[str]
    skipped: dict[str, int] = field(default_factory=dict)


def prepare_coref(config: BuildConfig, lm: LoadedModel) -> StreamInput | None:
    """Windows of the --coref file as segments of at most ``max_len`` tokens (at most the
    model's positions, ``stream_max_len``); None when no coreference file is given."""
    if config.coref is None:
        return None
    max_len = stream_max_len(config, lm)
    corpus = read_coref(config.coref, config.spacy_model)
    name = f"coref {config.coref.name}"

    def encode(words: Sequence[str]) -> Any:
        return encode_words(words, lm.tokenizer, lm.template, max_len=max_len, source=name)

    windows, report = build_windows(corpus.documents, lambda words: encode(words) is not None)
    segments = []
    for w in windows:
        seg = encode(w.words)
        assert seg is not None  # build_windows kept only windows that fit
        segments.append(seg)
    skipped = {**report.as_dict(), "discontinuous_mentions": corpus.discontinuous}
    data = CorefData(windows, [d.doc_id for d in corpus.documents], skipped)
    header = {"corpus": corpus_summary(corpus), "max_len": max_len}
    return StreamInput(segments=segments, data=data, header=header,
                       inputs={str(config.coref): file_digest(config.coref)},
                       description="Extracting attention (coreference windows)")
