"""Coreference data shared by the readers: documents of sentences with their mentions.

A mention is a span of consecutive words of one document (positions count words across the
document's sentences, so a mention may cross a sentence boundary). Its head word is the word of
the span whose syntactic head lies outside the span; when several words qualify (a span that
is not one subtree), the first of them is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from generator.corpus.conllu import Sentence


@dataclass(frozen=True)
class Mention:
    """A mention of ``entity``: words ``start``..``end`` (inclusive) and its head word."""

    entity: str
    start: int
    end: int
    head: int
    line: int = 0
    """Line of the mention's first word in its file, for messages."""


@dataclass(frozen=True)
class CorefDocument:
    """One document: its sentences (with trees) and its mentions, sorted by (start, -end)."""

    doc_id: str
    sentences: tuple[Sentence, ...]
    mentions: tuple[Mention, ...]

    @property
    def sentence_starts(self) -> list[int]:
        """Document position of each sentence's first word."""
        starts, total = [], 0
        for s in self.sentences:
            starts.append(total)
            total += len(s)
        return starts


@dataclass
class CorefCorpus:
    """Documents read from one coreference file, and what the reader had to leave out."""

    documents: list[CorefDocument]
    path: str
    format: str
    """"conllu" (CorefUD Entity=) or "conll2012"."""
    discontinuous: int = 0
    """Discontinuous mentions seen and skipped."""
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def mention_count(self) -> int:
        return sum(len(d.mentions) for d in self.documents)

    def entity_sizes(self) -> dict[tuple[int, str], int]:
        """Mentions per entity, keyed by (document index, entity id)."""
        sizes: dict[tuple[int, str], int] = {}
        for i, doc in enumerate(self.documents):
            for m in doc.mentions:
                sizes[(i, m.entity)] = sizes.get((i, m.entity), 0) + 1
        return sizes


def document_heads(sentences: Sequence[Sentence]) -> list[int]:
    """Each word's head as a document position (-1 for a sentence root)."""
    heads: list[int] = []
    offset = 0
    for s in sentences:
        heads.extend(offset + w.head if w.head >= 0 else -1 for w in s.words)
        offset += len(s)
    return heads


def span_head(heads: Sequence[int], start: int, end: int) -> int:
    """The first word of ``start..end`` whose head lies outside the span (or is a root)."""
    for pos in range(start, end + 1):
        if not start <= heads[pos] <= end:
            return pos
    return start  # unreachable for a tree (a span always has a topmost word)


def sort_mentions(mentions: list[Mention]) -> tuple[Mention, ...]:
    return tuple(sorted(mentions, key=lambda m: (m.start, -m.end, m.entity)))
