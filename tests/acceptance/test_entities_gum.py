"""The Entity= reader on GUM dev against the counts in the shared corpora's README."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.corpus.entities import read_entity_conllu

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
GUM_DEV = CORPORA / "ud-english-gum" / "en_gum-ud-dev.conllu"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not GUM_DEV.exists(), reason="shared corpora not present")]


def test_gum_dev_counts():
    corpus = read_entity_conllu(GUM_DEV)
    sizes = corpus.entity_sizes()
    assert len(corpus.documents) == 30
    assert corpus.mention_count == 7897
    assert len(sizes) == 3940
    assert sum(1 for n in sizes.values() if n > 1) == 1102
    assert corpus.discontinuous == 0
    for doc in corpus.documents:
        words = [w for s in doc.sentences for w in s.words]
        for m in doc.mentions:
            assert m.start <= m.head <= m.end
            # the head's own head lies outside the span (or it is a root)
            starts = doc.sentence_starts
            sent = max(i for i, s in enumerate(starts) if s <= m.head)
            head = words[m.head].head
            assert head == -1 or not m.start <= starts[sent] + head <= m.end
