"""The syntax stream: each treebank sentence alone as ``[CLS] words [SEP]``.

Sentences come from every ``--treebank`` file (gold trees). Without a treebank, sentences of the
plain-text corpus (``--text``) or of the embedded Wikipedia sample are parsed with spaCy (parser
trees), a seeded sample of at most ``syntax_sentences``. With ``--segments`` and no treebank there
are no words to parse, so the stream is skipped. Sentences over ``max_len`` wordpieces (at most
the model's positions, ``stream_max_len``) are skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.config import BuildConfig
from generator.corpus.conllu import Sentence, read_conllu
from generator.corpus.text_cache import TextCorpus, corpus_documents, parsed_sentences
from generator.encoding.segment import Segment
from generator.encoding.words import encode_words
from generator.model.loading import LoadedModel
from generator.progress import say
from generator.results import file_digest
from generator.streams.base import StreamInput, stream_max_len


@dataclass(frozen=True)
class SyntaxData:
    """What the syntax analysis knows besides attention: the kept sentences and their origin.

    ``sentences[k]`` belongs to segment k (``AttentionBatch.index``).
    """

    sentences: list[Sentence]
    skipped: int
    """Sentences over max_len wordpieces, left out."""
    trees: str
    """"gold" or "parser (spaCy MODEL)"."""


def encode_sentences(
    sentences: list[Sentence], lm: LoadedModel, max_len: int
) -> tuple[list[Segment], list[Sentence], int]:
    """Segments for the sentences that fit, those sentences, and how many were skipped."""
    segments: list[Segment] = []
    kept: list[Sentence] = []
    for k, sentence in enumerate(sentences):
        source = sentence.sent_id or f"sentence {k}"
        segment = encode_words(sentence.forms, lm.tokenizer, lm.template, max_len=max_len,
                               source=source)
        if segment is not None:
            segments.append(segment)
            kept.append(sentence)
    return segments, kept, len(sentences) - len(kept)


def prepare_syntax(config: BuildConfig, lm: LoadedModel,
                   general_text: TextCorpus | None = None) -> StreamInput | None:
    """The treebank sentences, or spaCy's parses of the plain-text corpus, as segments.

    ``general_text`` is the general stream's plain text (its registry entry needs it), parsed
    rather than read again; None (called alone): the corpus is read here.
    """
    if config.treebank:
        sentences = [s for path in config.treebank for s in read_conllu(path)]
        trees = "gold"
        names = ", ".join(p.name for p in config.treebank)
        description = f"treebank {names}"
        inputs = {str(p): file_digest(p) for p in config.treebank}
    elif config.segments is not None:
        return None
    else:
        text = general_text if general_text is not None else corpus_documents(config)
        description, inputs = text.description, text.inputs
        sentences, parsed = parsed_sentences(config, text.documents, inputs)
        trees = f"parser (spaCy {config.spacy_model})"
        description += f", {parsed} sentences parsed"
    max_len = stream_max_len(config, lm)
    segments, kept, skipped = encode_sentences(sentences, lm, max_len)
    if skipped:
        say(f"syntax: skipped {skipped} of {len(sentences)} sentences longer than --max-len "
            f"{max_len} wordpieces (counted in syntax.json)")
    corpus = {"description": description, "sentences_read": len(sentences)}
    return StreamInput(segments=segments, data=SyntaxData(kept, skipped, trees),
                       header={"syntax_corpus": corpus}, inputs=inputs,
                       description="Extracting attention (syntax sentences)")
