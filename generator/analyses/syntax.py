"""Dependency syntax per head (SPEC section 6; paper section 4.2, Table 1; Htut et al. 2019).

On word-level maps (SPEC section 5, specials left out), every head predicts each word's head word
in two directions: "dep2head", the word the dependent attends to most, and "head2dep", the word
that attends most to the dependent (the map transposed); the word itself is never a candidate.
Per relation (exact DEPREL labels, subtypes apart) and for "all", accuracy is the share of
dependents whose head in the trees (a treebank's gold trees, else a parser's) is predicted. Root
words have no head word and are not scored. A fixed-offset baseline predicts word i + k (k in
-3..3, k != 0). Each head also decodes a whole tree: the maximum spanning tree of its map rooted
at the tree's root (Htut et al.), scored by undirected attachment (UUAS). Per-sentence counts are
kept (compactly) for a bootstrap over sentences of the best head's and the baseline's accuracy.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from generator.analyses.base import Accumulator, AnalysisContext, grid
from generator.analyses.bootstrap import DEFAULT_RESAMPLES, ratio_interval, resample_weights
from generator.analyses.syntax_examples import PooledMap, eligible, pick_example, prune_pool
from generator.corpus.conllu import Sentence
from generator.model.batch import AttentionBatch
from generator.spanning_tree import PendingTrees, SpanningTreeWorkers, TreeJob, job_matches
from generator.threads import one_thread
from generator.wordlevel import to_word_level

DIRECTIONS = ("dep2head", "head2dep")
OFFSETS = (-3, -2, -1, 1, 2, 3)
ALL = "all"
EXAMPLE_HEADS = 3
"""Examples are stored for this many top heads of every reported relation."""
LEVEL = 0.95
MAX_TREE_PROCESSES = 8


def word_maps(
    attention: torch.Tensor, word_ids: Sequence[int], rows: str = "mean"
) -> torch.Tensor:
    """``[..., n, n]`` token maps of one sentence to ``[..., W, W]`` word-to-word maps.

    Specials are merged as their own units by ``to_word_level`` and then left out, so rows hold
    only the attention that goes to words.
    """
    wl, units = to_word_level(attention, word_ids, rows=rows)  # type: ignore[arg-type]
    pos = torch.tensor(units.word_positions(), dtype=torch.long)
    return wl.index_select(-2, pos).index_select(-1, pos)


def predict_heads(maps: torch.Tensor) -> torch.Tensor:
    """``[..., W, W]`` word maps to predicted head indices ``[2, ..., W]`` (dep2head, head2dep)."""
    scores = maps.clone()
    eye = torch.eye(maps.shape[-1], dtype=torch.bool)
    scores = scores.masked_fill(eye, float("-inf"))
    dep2head = scores.argmax(-1)  # row i: the word i attends to most
    head2dep = scores.argmax(-2)  # column i: the word that attends most to i
    return torch.stack([dep2head, head2dep])


def offset_hits(gold_heads: Sequence[int]) -> torch.Tensor:
    """``[W, len(OFFSETS)]``: whether word i's gold head is word i + k."""
    heads = torch.tensor(gold_heads)
    idx = torch.arange(len(gold_heads))
    return torch.stack([(heads == idx + k) & (heads >= 0) for k in OFFSETS], dim=1)


def mst_job(maps: torch.Tensor, gold_heads: Sequence[int]) -> TreeJob:
    """The spanning trees of one sentence, both ways, as a job for ``SpanningTreeWorkers``:
    dep2head scores word h as head of word d by ``map[d, h]``; head2dep by ``map[h, d]``."""
    gold = np.asarray(gold_heads)
    root = int(np.flatnonzero(gold == -1)[0])
    arr = maps.float().numpy()  # float32 travels to a worker at half the bytes of float64
    both = np.stack([arr, np.swapaxes(arr, -1, -2)])  # [2, L, H, W, W]
    return both, root, gold


def mst_matches(maps: torch.Tensor, gold_heads: Sequence[int]) -> torch.Tensor:
    """``[2, L, H]`` gold edges recovered (undirected) by each head's spanning tree, both ways."""
    return torch.from_numpy(job_matches([mst_job(maps, gold_heads)])[0])


@dataclass(frozen=True)
class SentenceCounts:
    """One sentence's compact counts, for the bootstrap: only the relations it contains."""

    index: int
    relations: torch.Tensor  # [k] int16, relation ids (the "all" id included)
    counts: torch.Tensor  # [k] int16
    correct: torch.Tensor  # [k, 2, L, H] int16
    offsets: torch.Tensor  # [k, len(OFFSETS)] int16


class DependencySyntax(Accumulator):
    name = "syntax"

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        data = context.data
        self.sentences: list[Sentence] = list(data.sentences) if data is not None else []
        labels = {w.deprel for s in self.sentences for w in s.words if w.head >= 0}
        self.relations: list[str] = sorted(labels - {ALL}) + [ALL]
        self.relation_id = {r: k for k, r in enumerate(self.relations)}
        total, cap = len(self.sentences), context.config.mst_sentences
        sample = range(total) if total <= cap else random.Random(context.config.seed).sample(
            range(total), cap)
        self.mst_sample = frozenset(sample)
        """Sentences whose spanning trees are scored (a seeded sample: trees are slow)."""
        threads = min(torch.get_num_threads(), MAX_TREE_PROCESSES)
        self.trees = SpanningTreeWorkers(threads if threads > 1 else 0)
        """Trees in worker processes, one per core torch may use, while this process computes
        the next word maps (one core: all here)."""
        r = len(self.relations)
        self.add_state("count", torch.zeros(r, dtype=torch.int64), "sum")
        self.add_state("correct", torch.zeros((r, 2, *self.shape), dtype=torch.int64), "sum")
        self.add_state("offset_correct", torch.zeros((r, len(OFFSETS)), dtype=torch.int64),
                       "sum")
        self.add_state("mst_correct", torch.zeros((2, *self.shape), dtype=torch.int64), "sum")
        self.add_state("mst_edges", torch.zeros((), dtype=torch.int64), "sum")
        self.add_state("mst_scored", torch.zeros((), dtype=torch.int64), "sum")
        self.add_state("scored_sentences", torch.zeros((), dtype=torch.int64), "sum")
        self.add_state("per_sentence", [], "cat")
        self.add_state("pool", [], "cat")

    def update(self, batch: AttentionBatch) -> None:
        with one_thread():
            self._update(batch)

    def _update(self, batch: AttentionBatch) -> None:
        rows = self.context.config.word_rows
        pending: list[PendingTrees] = []
        for b in range(batch.size):
            index = int(batch.index[b])
            sentence = self.sentences[index]
            n = int(batch.lengths[b])
            maps = word_maps(batch.attentions[b, :, :, :n, :n], batch.word_ids[b, :n].tolist(),
                             rows)
            if maps.shape[-1] != len(sentence):
                raise ValueError(f"sentence {index}: {maps.shape[-1]} words in the map, "
                                 f"{len(sentence)} in the tree")
            self._score(index, sentence, maps)
            heads = sentence.heads
            if len(heads) > 1 and index in self.mst_sample and max(heads) >= 0:
                pending.append(self.trees.submit(mst_job(maps, heads)))
            if eligible(sentence):
                self.pool.append(PooledMap(index, maps.half()))
        for trees in pending:
            self.mst_scored += 1
            self.mst_correct += torch.from_numpy(trees.result())
            self.mst_edges += len(trees.job[2]) - 1
        self.pool = prune_pool(self.pool, self.sentences)

    def _score(self, index: int, sentence: Sentence, maps: torch.Tensor) -> None:
        gold = sentence.heads
        scored = [i for i, h in enumerate(gold) if h >= 0]
        self.scored_sentences += 1
        if not scored:
            return
        hits = predict_heads(maps) == torch.tensor(gold)  # [2, L, H, W]
        offsets = offset_hits(gold)  # [W, 6]
        rel_of = [self.relation_id[sentence.words[i].deprel] for i in scored]
        present = sorted(set(rel_of))
        local = {r: k for k, r in enumerate(present)}
        member = torch.zeros((len(present) + 1, len(gold)), dtype=torch.int64)
        for i, r in zip(scored, rel_of, strict=True):
            member[local[r], i] = 1
        member[-1, scored] = 1  # "all"
        ids = torch.tensor(present + [self.relation_id[ALL]])
        counts = member.sum(1)
        correct = torch.einsum("rw,dlhw->rdlh", member, hits.long())
        offset_correct = member @ offsets.long()
        self.count.index_add_(0, ids, counts)
        self.correct.index_add_(0, ids, correct)
        self.offset_correct.index_add_(0, ids, offset_correct)
        self.per_sentence.append(SentenceCounts(index, ids.short(), counts.short(),
                                                correct.short(), offset_correct.short()))

    # ----- results -----

    def _dense(self) -> tuple[list[SentenceCounts], np.ndarray, np.ndarray]:
        """Per-sentence items in sentence order, with dense counts [S, R] and offsets [S, R, 6]."""
        items = sorted(self.per_sentence, key=lambda c: c.index)
        r = len(self.relations)
        counts = np.zeros((len(items), r), dtype=np.int64)
        offsets = np.zeros((len(items), r, len(OFFSETS)), dtype=np.int64)
        for s, item in enumerate(items):
            ids = item.relations.long().numpy()
            counts[s, ids] = item.counts.numpy()
            offsets[s, ids] = item.offsets.numpy()
        return items, counts, offsets

    @staticmethod
    def _head_series(items: list[SentenceCounts], rel: int, where: tuple[int, int, int]
                     ) -> np.ndarray:
        """Per-sentence correct counts of one head (direction, layer, head) for one relation."""
        out = np.zeros(len(items), dtype=np.int64)
        for s, item in enumerate(items):
            hit = (item.relations == rel).nonzero()
            if len(hit):
                out[s] = int(item.correct[int(hit[0, 0]), where[0], where[1], where[2]])
        return out

    def _relation_result(
        self, rel: int, items: list[SentenceCounts], counts: np.ndarray, offsets: np.ndarray,
        weights: np.ndarray | None,
    ) -> dict[str, Any]:
        total = int(self.count[rel])
        denom = max(total, 1)
        hits = self.correct[rel]  # [2, L, H]
        accuracy = hits.double() / denom
        flat = int(torch.argmax(hits.flatten()))  # ties: first direction, layer, head
        d, rest = divmod(flat, self.shape[0] * self.shape[1])
        layer, head = divmod(rest, self.shape[1])
        k = int(torch.argmax(self.offset_correct[rel]))
        best_ci = base_ci = None
        if weights is not None:
            series = self._head_series(items, rel, (d, layer, head))
            best_ci = ratio_interval(series, counts[:, rel], weights, LEVEL)
            base_ci = ratio_interval(offsets[:, rel, k], counts[:, rel], weights, LEVEL)
        by_direction = {}
        for dd, name in enumerate(DIRECTIONS):
            f = int(torch.argmax(hits[dd].flatten()))
            by_direction[name] = {"layer": f // self.shape[1], "head": f % self.shape[1],
                                  "accuracy": round(float(hits[dd].flatten()[f]) / denom, 6)}
        return {
            "count": total,
            "accuracy": {name: grid(accuracy[dd]) for dd, name in enumerate(DIRECTIONS)},
            "best": {"layer": layer, "head": head, "direction": DIRECTIONS[d],
                     "accuracy": round(float(hits[d, layer, head]) / denom, 6),
                     "ci": _interval(best_ci)},
            "best_by_direction": by_direction,
            "baseline": {"offset": OFFSETS[k],
                         "accuracy": round(float(self.offset_correct[rel, k]) / denom, 6),
                         "ci": _interval(base_ci),
                         "by_offset": {str(o): round(float(self.offset_correct[rel, j]) / denom, 6)
                                       for j, o in enumerate(OFFSETS)}},
        }

    def _top_heads(self, rel: int, how_many: int) -> list[tuple[int, int, int]]:
        """(direction, layer, head) of the best ``how_many`` heads, best first, ties by order."""
        flat = self.correct[rel].flatten()
        order = sorted(range(flat.numel()), key=lambda f: (-int(flat[f]), f))[:how_many]
        per_direction = self.shape[0] * self.shape[1]
        return [(f // per_direction, (f % per_direction) // self.shape[1], f % self.shape[1])
                for f in order]

    def result(self) -> dict[str, Any]:
        self.trees.close()
        config = self.context.config
        data = self.context.data
        items, counts, offsets = self._dense()
        weights = (resample_weights(len(counts), DEFAULT_RESAMPLES, config.seed)
                   if len(counts) else None)
        reported = [r for r, name in enumerate(self.relations)
                    if name == ALL or int(self.count[r]) >= config.min_relation_count]
        relations = {self.relations[r]: self._relation_result(r, items, counts, offsets,
                                                              weights)
                     for r in reported}
        rare = {name: int(self.count[r]) for r, name in enumerate(self.relations)
                if r not in reported and int(self.count[r]) > 0}
        pool = prune_pool(self.pool, self.sentences)
        examples = []
        seen: set[tuple[str, int, int, int]] = set()
        for r in reported:
            name = self.relations[r]
            if name == ALL:
                continue
            for d, layer, head in self._top_heads(r, EXAMPLE_HEADS):
                key = (name, d, layer, head)
                if key in seen:
                    continue
                seen.add(key)
                example = pick_example(pool, self.sentences, layer, head, DIRECTIONS[d], name)
                if example is not None:
                    examples.append(example)
        edges = max(int(self.mst_edges), 1)
        uuas = self.mst_correct.double() / edges
        f = int(torch.argmax(self.mst_correct.flatten()))
        per_direction = self.shape[0] * self.shape[1]
        md, rest = divmod(f, per_direction)
        trees = data.trees if data is not None else "gold"
        ref = "gold" if trees == "gold" else "parser"
        return {
            "trees": trees,
            "sentences": int(self.scored_sentences),
            "skipped": data.skipped if data is not None else 0,
            "words_scored": int(self.count[self.relation_id[ALL]]),
            "method": {
                "word_rows": config.word_rows,
                "min_relation_count": config.min_relation_count,
                "directions": {
                    "dep2head": "prediction = the word the dependent attends to most",
                    "head2dep": "prediction = the word that attends most to the dependent",
                },
                "candidates": "the sentence's other words; special tokens are left out",
                "root": "root words have no head word and are not scored (not in 'all')",
                "offsets": list(OFFSETS),
                "bootstrap": {"unit": "sentence", "resamples": DEFAULT_RESAMPLES,
                              "level": LEVEL, "seed": config.seed, "kind": "percentile",
                              "note": "the best head and offset are chosen on the full data, "
                                      "then resampled; the interval ignores that choice"},
                "mst": f"Chu-Liu/Edmonds maximum spanning tree of each head's word map, rooted "
                       f"at the {ref} tree's root (Htut et al. 2019), on a seeded sample of "
                       f"sentences; UUAS = {ref} edges found ignoring direction / all {ref} "
                       f"edges, punctuation included, pooled over the sampled sentences",
            },
            "relations": relations,
            "rare_relations": rare,
            "mst": {
                "sentences": int(self.mst_scored),
                "edges": int(self.mst_edges),
                "uuas": {name: grid(uuas[dd]) for dd, name in enumerate(DIRECTIONS)},
                "best": {"direction": DIRECTIONS[md], "layer": rest // self.shape[1],
                         "head": rest % self.shape[1],
                         "uuas": round(float(self.mst_correct.flatten()[f]) / edges, 6)},
            },
            "examples": examples,
        }


def _interval(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [round(ci[0], 6), round(ci[1], 6)]
