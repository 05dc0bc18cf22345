"""Hand-made token-level maps and trees whose syntax scores are worked out by hand."""

from __future__ import annotations

import torch

from generator.analyses.base import AnalysisContext
from generator.config import BuildConfig
from generator.corpus.conllu import Sentence, Word
from generator.model import roles as R
from generator.model.batch import AttentionBatch
from generator.streams.syntax import SyntaxData


def sentence(forms, heads, deprels, sent_id=None) -> Sentence:
    words = tuple(Word(form=f, lemma=f, upos="_", xpos="_", feats={}, head=h, deprel=d,
                       misc="_", line=k + 1)
                  for k, (f, h, d) in enumerate(zip(forms, heads, deprels, strict=True)))
    return Sentence(words, None, sent_id, " ".join(forms), 1)


# Sentence 0: "the dog barks", tokens [CLS] the dog bark ##s [SEP]; the -det-> dog -nsubj-> barks.
DOG = sentence(["the", "dog", "barks"], [1, 2, -1], ["det", "nsubj", "root"], "dog")
DOG_WORD_IDS = [-1, 0, 1, 2, 2, -1]
DOG_HEAD0 = [
    [1, 0, 0, 0, 0, 0],
    [.1, 0, .5, .3, 0, .1],   # the: dog .5 > barks .3
    [.2, .3, 0, .25, .25, 0],  # dog: the .3 per token, but barks .5 once pieces are summed
    [.1, .1, .3, .5, 0, 0],    # bark: dog .3 (first-piece row)
    [.1, .1, .8, 0, 0, 0],     # ##s: dog .8 -> barks' mean row gives dog .55
    [0, 0, 0, 0, 0, 1],
]
DOG_HEAD1 = [  # mostly "previous token"
    [1, 0, 0, 0, 0, 0],
    [.9, 0, 0, .1, 0, 0],
    [0, 1, 0, 0, 0, 0],
    [0, 0, 1, 0, 0, 0],
    [0, 0, 0, 1, 0, 0],
    [0, 0, 0, 0, 1, 0],
]

# Sentence 1: "he saw her", tokens [CLS] he saw her [SEP]; he -nsubj-> saw <-obj- her.
SAW = sentence(["he", "saw", "her"], [1, -1, 1], ["nsubj", "root", "obj"], "saw")
SAW_WORD_IDS = [-1, 0, 1, 2, -1]
SAW_HEAD0 = [
    [1, 0, 0, 0, 0],
    [.2, 0, .3, .5, 0],  # he -> her (wrong)
    [.1, .6, 0, .3, 0],
    [.1, .2, .6, 0, .1],  # her -> saw (right)
    [0, 0, 0, 0, 1],
]
SAW_HEAD1 = [
    [1, 0, 0, 0, 0],
    [.8, 0, .15, .05, 0],
    [0, 1, 0, 0, 0],
    [0, 0, 1, 0, 0],
    [0, 0, 0, 1, 0],
]


def make_batch(maps_per_sentence, word_ids_per_sentence, index) -> AttentionBatch:
    """A padded batch (one layer) from per-sentence lists of per-head token maps."""
    n = max(len(w) for w in word_ids_per_sentence)
    b, h = len(maps_per_sentence), len(maps_per_sentence[0])
    att = torch.zeros((b, 1, h, n, n))
    word_ids = torch.full((b, n), -1, dtype=torch.long)
    roles = torch.zeros((b, n), dtype=torch.int8)
    lengths = []
    for s, (maps, wids) in enumerate(zip(maps_per_sentence, word_ids_per_sentence, strict=True)):
        k = len(wids)
        for head, m in enumerate(maps):
            att[s, 0, head, :k, :k] = torch.tensor(m)
        word_ids[s, :k] = torch.tensor(wids)
        roles[s, :k] = torch.tensor([R.CLS] + [R.WORD] * (k - 2) + [R.SEP], dtype=torch.int8)
        lengths.append(k)
    return AttentionBatch(attentions=att, input_ids=torch.zeros((b, n), dtype=torch.long),
                          roles=roles, word_ids=word_ids, lengths=torch.tensor(lengths),
                          index=torch.tensor(index))


def context(sentences, **settings) -> AnalysisContext:
    config = BuildConfig(**settings)
    return AnalysisContext(1, 2, config, SyntaxData(list(sentences), 0, "gold"))


def both_batch() -> AttentionBatch:
    return make_batch([[DOG_HEAD0, DOG_HEAD1], [SAW_HEAD0, SAW_HEAD1]],
                      [DOG_WORD_IDS, SAW_WORD_IDS], [0, 1])
