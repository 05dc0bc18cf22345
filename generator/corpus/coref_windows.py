"""Coreference windows: runs of whole consecutive sentences of one document that fit the model.

Each window is ``[CLS] s1 s2 ... [SEP]`` with at most max_len wordpieces, filled greedily: a
window takes sentences until the next one would not fit. A sentence too long on its own is
skipped (and counted), and ends the window before it. Mentions not wholly inside one window are
left out (and counted). Positions in a window count its words from 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from generator.corpus.mentions import CorefDocument, Mention


@dataclass(frozen=True)
class CorefWindow:
    """The words of one window with what the coreference analysis reads about them."""

    doc: int
    """Index of the document in the corpus (for per-document counts and the bootstrap)."""
    doc_id: str
    first_sentence: int
    sentence_starts: tuple[int, ...]
    words: tuple[str, ...]
    xpos: tuple[str, ...]
    feats: tuple[dict[str, str], ...]
    mentions: tuple[Mention, ...]
    """Window-relative mentions, sorted by (start, -end)."""


@dataclass
class WindowReport:
    windows: int = 0
    long_sentences: int = 0
    """Sentences longer than max_len wordpieces on their own, skipped."""
    mentions_outside_windows: int = 0
    """Mentions not wholly inside one window (in a skipped sentence or across a window edge)."""

    def as_dict(self) -> dict[str, int]:
        return {"long_sentences": self.long_sentences,
                "mentions_outside_windows": self.mentions_outside_windows}


Fits = Callable[[Sequence[str]], bool]
"""Whether a window of these words fits in max_len wordpieces with its specials."""


def _window(doc_index: int, doc: CorefDocument, first: int, last: int) -> CorefWindow:
    """The window of sentences ``first..last - 1`` of ``doc``."""
    starts = doc.sentence_starts
    lo = starts[first]
    hi = starts[last - 1] + len(doc.sentences[last - 1])
    words = [w for s in doc.sentences[first:last] for w in s.words]
    mentions = tuple(
        Mention(m.entity, m.start - lo, m.end - lo, m.head - lo, m.line)
        for m in doc.mentions if lo <= m.start and m.end < hi)
    return CorefWindow(
        doc=doc_index, doc_id=doc.doc_id, first_sentence=first,
        sentence_starts=tuple(s - lo for s in starts[first:last]),
        words=tuple(w.form for w in words), xpos=tuple(w.xpos for w in words),
        feats=tuple(w.feats for w in words), mentions=mentions)


def build_windows(
    documents: Sequence[CorefDocument], fits: Fits
) -> tuple[list[CorefWindow], WindowReport]:
    """Cut every document into greedy windows of whole consecutive sentences."""
    windows: list[CorefWindow] = []
    report = WindowReport()
    for d, doc in enumerate(documents):
        n = len(doc.sentences)
        i = 0
        while i < n:
            if not fits(doc.sentences[i].forms):
                report.long_sentences += 1
                i += 1
                continue
            words = list(doc.sentences[i].forms)
            j = i + 1
            while j < n:
                more = words + doc.sentences[j].forms
                if not fits(more):
                    break
                words = more
                j += 1
            windows.append(_window(d, doc, i, j))
            i = j
    report.windows = len(windows)
    total = sum(len(doc.mentions) for doc in documents)
    report.mentions_outside_windows = total - sum(len(w.mentions) for w in windows)
    return windows, report
