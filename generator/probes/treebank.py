"""Treebank sentences for the probes, and their features streamed batch by batch from the model.

Only token ids and gold trees are held for the whole file; attention is extracted for a batch of
sentences at a time, turned into word-level features and handed on, so memory stays flat.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

from generator.corpus.conllu import read_conllu
from generator.encoding.segment import Segment
from generator.encoding.words import encode_words
from generator.model.batch import AttentionBatch
from generator.model.extraction import run_batch
from generator.model.loading import LoadedModel
from generator.probes.features import ProbeSentence, attention_features, word_vectors
from generator.progress import track
from generator.threads import one_thread
from generator.timings import Timings
from generator.wordlevel import to_word_level


@dataclass
class ProbeCorpus:
    """Encoded sentences of one treebank (those that fit ``max_len``), with gold trees."""

    path: Path
    segments: list[Segment]
    heads: list[list[int]]
    scored: list[list[bool]]
    available: int
    """Sentences in the file."""
    sampled: int
    """Sentences drawn from it (all, or the seeded sample)."""
    too_long: int
    """Sampled sentences skipped because they exceed max_len wordpieces."""

    @property
    def words(self) -> int:
        return sum(len(h) for h in self.heads)

    @property
    def scored_words(self) -> int:
        return sum(sum(s) for s in self.scored)

    def describe(self) -> dict[str, object]:
        return {"file": str(self.path), "sentences_in_file": self.available,
                "sentences_sampled": self.sampled, "sentences": len(self.segments),
                "skipped_too_long": self.too_long, "words": self.words,
                "scored_words": self.scored_words}


def load_probe_corpus(path: Path, lm: LoadedModel, *, max_len: int, limit: int,
                      seed: int) -> ProbeCorpus:
    """Read ``path``; keep a seeded sample of ``limit`` sentences (0 = all), in file order."""
    sentences = read_conllu(path)
    chosen = range(len(sentences))
    if 0 < limit < len(sentences):
        chosen = sorted(random.Random(seed).sample(range(len(sentences)), limit))
    segments, heads, scored = [], [], []
    too_long = 0
    for k in chosen:
        sent = sentences[k]
        seg = encode_words(sent.forms, lm.tokenizer, lm.template, max_len=max_len,
                           source=f"{path.name}:{sent.line}")
        if seg is None:
            too_long += 1
            continue
        segments.append(seg)
        heads.append(sent.heads)
        scored.append([w.upos != "PUNCT" for w in sent.words])
    return ProbeCorpus(path, segments, heads, scored, len(sentences), len(chosen), too_long)


def stream_probe_sentences(
    lm: LoadedModel,
    corpus: ProbeCorpus,
    order: Sequence[int],
    *,
    batch_size: int,
    word_rows: Literal["mean", "first"],
    description: str,
    timings: Timings | None = None,
) -> Iterator[ProbeSentence]:
    """Features of the corpus's sentences in ``order``, extracted ``batch_size`` at a time."""
    table = lm.model.get_input_embeddings().weight.detach().float().cpu()
    plan = [list(order[k : k + batch_size]) for k in range(0, len(order), batch_size)]
    for indices in track(plan, len(plan), description):
        batch = run_batch(lm, corpus.segments, indices, timings).to("cpu")
        for b, index in enumerate(indices):
            with one_thread():
                sentence = _sentence_features(batch, b, corpus, index, table, word_rows)
            yield sentence


def _sentence_features(batch: AttentionBatch, b: int, corpus: ProbeCorpus, index: int,
                       table: torch.Tensor, word_rows: Literal["mean", "first"]) -> ProbeSentence:
    n = int(batch.lengths[b])
    word_ids = batch.word_ids[b, :n]
    maps, units = to_word_level(batch.attentions[b, :, :, :n, :n], word_ids.tolist(),
                                rows=word_rows)
    unit_roles = batch.roles[b, torch.tensor(units.first_token)]
    words, root = attention_features(maps, units, unit_roles)
    num_words = len(corpus.heads[index])
    return ProbeSentence(
        words=words, root=root,
        embeddings=word_vectors(batch.input_ids[b, :n], word_ids, table, num_words),
        heads=torch.tensor(corpus.heads[index], dtype=torch.long),
        scored=torch.tensor(corpus.scored[index], dtype=torch.bool),
    )
