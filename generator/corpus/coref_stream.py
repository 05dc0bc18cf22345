"""The coref stream: windows of a coreference-annotated file (``--coref``) as model segments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.config import BuildConfig
from generator.corpus.conll2012 import is_conll2012, read_conll2012, spacy_parser
from generator.corpus.coref_windows import CorefWindow, build_windows
from generator.corpus.entities import read_entity_conllu
from generator.corpus.mentions import CorefCorpus
from generator.encoding.words import encode_words
from generator.errors import HeadAtlasError
from generator.model.loading import LoadedModel
from generator.results import file_digest
from generator.streams import StreamInput


@dataclass
class CorefData:
    """What the coreference analysis needs: windows indexed like the segments, and counts."""

    windows: list[CorefWindow]
    documents: list[str]
    skipped: dict[str, int] = field(default_factory=dict)


def read_coref(path: Path, spacy_model: str) -> CorefCorpus:
    """Read CoNLL-2012 (``#begin document``) or CoNLL-U with Entity=, by the file's content."""
    if is_conll2012(path):
        corpus = read_conll2012(path, spacy_parser(spacy_model))
    else:
        corpus = read_entity_conllu(path)
    if corpus.mention_count == 0:
        what = "coreference column" if corpus.format == "conll2012" else "Entity= in MISC"
        raise HeadAtlasError(f"no coreference mentions found (no {what})", path=path)
    return corpus


def corpus_summary(corpus: CorefCorpus) -> dict[str, Any]:
    sizes = corpus.entity_sizes()
    return {
        "file": Path(corpus.path).name, "format": corpus.format,
        "documents": len(corpus.documents),
        "sentences": sum(len(d.sentences) for d in corpus.documents),
        "words": sum(len(s) for d in corpus.documents for s in d.sentences),
        "mentions": corpus.mention_count, "entities": len(sizes),
        "entities_with_several_mentions": sum(1 for n in sizes.values() if n > 1),
        **corpus.notes,
    }


def prepare_coref(config: BuildConfig, lm: LoadedModel,
                  earlier: Mapping[str, StreamInput] | None = None) -> StreamInput | None:
    """Windows of the --coref file as segments; None when no coreference file is given."""
    if config.coref is None:
        return None
    corpus = read_coref(config.coref, config.spacy_model)
    name = f"coref {config.coref.name}"

    def encode(words: Sequence[str]) -> Any:
        return encode_words(words, lm.tokenizer, lm.template, max_len=config.max_len,
                            source=name)

    windows, report = build_windows(corpus.documents, lambda words: encode(words) is not None)
    segments = []
    for w in windows:
        seg = encode(w.words)
        assert seg is not None  # build_windows kept only windows that fit
        segments.append(seg)
    skipped = {**report.as_dict(), "discontinuous_mentions": corpus.discontinuous}
    data = CorefData(windows, [d.doc_id for d in corpus.documents], skipped)
    header = {"corpus": corpus_summary(corpus), "max_len": config.max_len}
    return StreamInput(segments=segments, data=data, header=header,
                       inputs={str(config.coref): file_digest(config.coref)},
                       description="Extracting attention (coreference windows)")
