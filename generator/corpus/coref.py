"""A coreference-annotated file, whichever its format, read into a ``CorefCorpus``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.corpus.conll2012 import is_conll2012, read_conll2012, spacy_parser
from generator.corpus.entities import read_entity_conllu
from generator.corpus.mentions import CorefCorpus
from generator.errors import HeadAtlasError


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
    """The file's counts (documents, sentences, words, mentions, entities), for coref.json."""
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
