"""Windows of whole consecutive sentences, at most max_len wordpieces."""

from __future__ import annotations

from generator.corpus.conllu import Sentence, Word
from generator.corpus.coref_windows import build_windows
from generator.corpus.mentions import CorefDocument, Mention


def sentence(n, tag):
    words = tuple(Word(f"{tag}{i}", "", "X", "NN", {"Number": "Sing"}, -1 if i == 0 else 0,
                       "dep", "_", i) for i in range(n))
    return Sentence(words, None, None, None, 0)


def fits_in(budget):
    """A fake model: every word is one piece, and [CLS] + [SEP] take two."""
    return lambda words: len(words) + 2 <= budget


def doc(lengths, mentions=()):
    return CorefDocument("d", tuple(sentence(n, chr(97 + k)) for k, n in enumerate(lengths)),
                         tuple(mentions))


def test_greedy_whole_sentences():
    windows, report = build_windows([doc([3, 4, 2, 5, 1])], fits_in(11))
    # 3+4+2 = 9 fits (11 with specials); +5 does not. then 5+1.
    assert [(w.first_sentence, len(w.words)) for w in windows] == [(0, 9), (3, 6)]
    assert windows[0].sentence_starts == (0, 3, 7)
    assert windows[1].words[0] == "d0"
    assert report.windows == 2 and report.long_sentences == 0


def test_long_sentence_skipped_counted_and_breaks_the_window():
    windows, report = build_windows([doc([2, 20, 2, 2])], fits_in(10))
    assert [(w.first_sentence, len(w.words)) for w in windows] == [(0, 2), (2, 4)]
    assert report.long_sentences == 1


def test_windows_never_cross_documents():
    windows, _ = build_windows([doc([2]), doc([2])], fits_in(100))
    assert [(w.doc, len(w.words)) for w in windows] == [(0, 2), (1, 2)]


def test_mentions_relative_and_outside_ones_counted():
    mentions = [Mention("1", 0, 1, 0), Mention("1", 4, 4, 4),  # in window 0 (words 0..4)
                Mention("2", 3, 6, 3),  # crosses the window edge (4 | 5)
                Mention("1", 6, 6, 6), Mention("3", 10, 10, 10)]  # window 1; skipped sentence
    windows, report = build_windows([doc([3, 2, 3, 20], mentions)], fits_in(8))
    assert [(w.first_sentence, len(w.words)) for w in windows] == [(0, 5), (2, 3)]
    assert [(m.entity, m.start, m.end, m.head) for m in windows[0].mentions] == [
        ("1", 0, 1, 0), ("1", 4, 4, 4)]
    assert [(m.entity, m.start, m.head) for m in windows[1].mentions] == [("1", 1, 1)]
    assert report.mentions_outside_windows == 2
    assert windows[1].feats[0] == {"Number": "Sing"} and windows[1].xpos[0] == "NN"
