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

Decoder (causal) models, SPEC section 11: word i sees only words j <= i, so each direction is
defined on part of the dependents. dep2head only where the head precedes the dependent (the
dependent attends back to it; candidates: the words before the dependent), head2dep only where the
dependent precedes the head (the head attends back to it; candidates: the words after the
dependent, which see it). Every dependent is covered by exactly one direction. Per relation the
coverage of each direction is counted and its accuracy is taken over the dependents it covers;
the offset baselines are scored on the same dependents (k in -3..-1 for dep2head, 1..3 for
head2dep: the only offsets that can hit there). The best head is chosen among the directions that
cover at least ``min_relation_count`` dependents (else the direction that covers more). A head's
spanning tree scores the pair i < j by the attention from word j to word i (undirected, one tree).

Layer slices (``AttentionBatch.layers``): every per-head score is per layer, so a slice is scored
as it comes; a sentence's own counts (dependents, coverage, offsets, spanning-tree edges) are taken
once, with its first slice, and its example map is kept until all its layers have arrived.
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
CAUSAL_OFFSETS = {"dep2head": (-3, -2, -1), "head2dep": (1, 2, 3)}
"""The offsets each direction allows under the causal mask: dep2head covers dependents whose head
precedes them (negative offsets), head2dep those whose head follows (positive)."""
UNDIRECTED = "undirected"
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


def predict_heads(maps: torch.Tensor, causal: bool = False) -> torch.Tensor:
    """``[..., W, W]`` word maps to predicted head indices ``[2, ..., W]`` (dep2head, head2dep).

    ``causal``: only the strict lower triangle is visible, so dep2head takes row i's argmax over
    the earlier words j < i and head2dep column i's argmax over the later words j > i; a word
    without candidates (dep2head of the first word, head2dep of the last) gets -1.
    """
    w = maps.shape[-1]
    hidden = (torch.ones(w, w, dtype=torch.bool).triu() if causal
              else torch.eye(w, dtype=torch.bool))
    scores = maps.masked_fill(hidden, float("-inf"))
    dep2head = scores.argmax(-1)  # row i: the word i attends to most
    head2dep = scores.argmax(-2)  # column i: the word that attends most to i
    if causal and w:
        dep2head[..., 0] = -1
        head2dep[..., w - 1] = -1
    return torch.stack([dep2head, head2dep])


def causal_coverage(gold_heads: Sequence[int]) -> torch.Tensor:
    """``[2, W]``: the dependents each direction scores under the causal mask: dep2head where the
    head precedes the dependent, head2dep where it follows (roots are in neither)."""
    heads = torch.tensor(gold_heads, dtype=torch.long)
    idx = torch.arange(len(gold_heads))
    return torch.stack([(heads >= 0) & (heads < idx), heads > idx])


def offset_hits(gold_heads: Sequence[int]) -> torch.Tensor:
    """``[W, len(OFFSETS)]``: whether word i's gold head is word i + k."""
    heads = torch.tensor(gold_heads)
    idx = torch.arange(len(gold_heads))
    return torch.stack([(heads == idx + k) & (heads >= 0) for k in OFFSETS], dim=1)


def mst_job(maps: torch.Tensor, gold_heads: Sequence[int], causal: bool = False) -> TreeJob:
    """The spanning trees of one sentence, both ways, as a job for ``SpanningTreeWorkers``:
    dep2head scores word h as head of word d by ``map[d, h]``; head2dep by ``map[h, d]``.
    ``causal``: one undirected tree, the pair i < j scored by ``map[j, i]`` (the later word's
    attention to the earlier one), ``[1, L, H, W, W]``."""
    gold = np.asarray(gold_heads)
    root = int(np.flatnonzero(gold == -1)[0])
    arr = maps.float().numpy()  # float32 travels to a worker at half the bytes of float64
    if causal:
        lower = np.tril(arr, -1)
        return (lower + np.swapaxes(lower, -1, -2))[None], root, gold
    both = np.stack([arr, np.swapaxes(arr, -1, -2)])  # [2, L, H, W, W]
    return both, root, gold


def mst_matches(maps: torch.Tensor, gold_heads: Sequence[int], causal: bool = False
                ) -> torch.Tensor:
    """``[2, L, H]`` gold edges recovered (undirected) by each head's spanning tree, both ways
    (``causal``: ``[1, L, H]``, the one undirected tree)."""
    return torch.from_numpy(job_matches([mst_job(maps, gold_heads, causal)])[0])


@dataclass(frozen=True)
class SentenceCounts:
    """One sentence's compact counts, for the bootstrap: only the relations it contains."""

    index: int
    relations: torch.Tensor  # [k] int16, relation ids (the "all" id included)
    counts: torch.Tensor  # [k] int16
    correct: torch.Tensor  # [k, 2, L, H] int16
    offsets: torch.Tensor  # [k, len(OFFSETS)] int16
    coverage: torch.Tensor | None = None  # [k, 2] int16: dependents each direction scores
    """Decoders only (``causal_coverage``); None for encoders, where both cover every one."""


@dataclass
class _Partial:
    """A sentence whose layers have not all arrived (sliced batches)."""

    member: torch.Tensor  # [k, W] 0/1: the sentence's dependents of each of its relations
    ids: torch.Tensor  # [k] relation ids
    item: SentenceCounts | None  # None when nothing is scored
    seen: set[int]
    pool: torch.Tensor | None  # [L, H, W, W] float16 for an eligible sentence


class DependencySyntax(Accumulator):
    name = "syntax"
    takes_layer_slices = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        self.causal = context.kind == "decoder"
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
        self.add_state("coverage", torch.zeros((r, 2), dtype=torch.int64), "sum")
        self.add_state("correct", torch.zeros((r, 2, *self.shape), dtype=torch.int64), "sum")
        self.add_state("offset_correct", torch.zeros((r, len(OFFSETS)), dtype=torch.int64),
                       "sum")
        self.add_state("mst_correct", torch.zeros((2, *self.shape), dtype=torch.int64), "sum")
        self.add_state("mst_edges", torch.zeros((), dtype=torch.int64), "sum")
        self.add_state("mst_scored", torch.zeros((), dtype=torch.int64), "sum")
        self.add_state("scored_sentences", torch.zeros((), dtype=torch.int64), "sum")
        self.add_state("per_sentence", [], "cat")
        self.add_state("pool", [], "cat")
        self._partial: dict[int, _Partial] = {}
        """Sentences of sliced batches still waiting for some of their layers."""

    def update(self, batch: AttentionBatch) -> None:
        with one_thread():
            self._update(batch)

    def _update(self, batch: AttentionBatch) -> None:
        rows = self.context.config.word_rows
        layers = batch.layer_ids()
        pending: list[tuple[list[int], PendingTrees]] = []
        for b in range(batch.size):
            index = int(batch.index[b])
            sentence = self.sentences[index]
            n = int(batch.lengths[b])
            maps = word_maps(batch.attentions[b, :, :, :n, :n], batch.word_ids[b, :n].tolist(),
                             rows)
            if maps.shape[-1] != len(sentence):
                raise ValueError(f"sentence {index}: {maps.shape[-1]} words in the map, "
                                 f"{len(sentence)} in the tree")
            part = self._partial.pop(index, None) or self._start(index, sentence)
            if part.seen & set(layers):
                raise ValueError(f"sentence {index}: a layer of {layers} arrived twice")
            part.seen.update(layers)
            self._score(part, sentence, maps, layers)
            heads = sentence.heads
            if len(heads) > 1 and index in self.mst_sample and max(heads) >= 0:
                pending.append((layers, self.trees.submit(mst_job(maps, heads, self.causal))))
            if part.pool is not None:
                part.pool[layers] = maps.half()
            if len(part.seen) < self.shape[0]:
                self._partial[index] = part
            elif part.pool is not None:
                self.pool.append(PooledMap(index, part.pool))
        for slice_layers, trees in pending:
            matches = torch.from_numpy(trees.result())
            self.mst_correct[: len(matches), slice_layers] += matches
        self.pool = prune_pool(self.pool, self.sentences)

    def merge(self, other: Accumulator) -> None:
        """As the base class; a shard with a sentence still waiting for layers cannot be merged
        (its example map is incomplete)."""
        if self._partial or getattr(other, "_partial", None):
            raise ValueError("cannot merge syntax while a sentence lacks layers")
        super().merge(other)

    def _start(self, index: int, sentence: Sentence) -> _Partial:
        """A sentence's first slice: its own counts (once), and its per-head counts at zero."""
        gold = sentence.heads
        if len(gold) > 1 and index in self.mst_sample and max(gold) >= 0:
            self.mst_scored += 1
            self.mst_edges += len(gold) - 1
        pool = (torch.zeros((*self.shape, len(sentence), len(sentence)), dtype=torch.float16)
                if eligible(sentence) else None)
        scored = [i for i, h in enumerate(gold) if h >= 0]
        self.scored_sentences += 1
        if not scored:
            return _Partial(torch.zeros((0, len(gold)), dtype=torch.int64),
                            torch.zeros(0, dtype=torch.long), None, set(), pool)
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
        offset_correct = member @ offsets.long()
        self.count.index_add_(0, ids, counts)
        self.offset_correct.index_add_(0, ids, offset_correct)
        coverage = None
        if self.causal:
            coverage = member @ causal_coverage(gold).long().T  # [k, 2]
            self.coverage.index_add_(0, ids, coverage)
            coverage = coverage.short()
        correct = torch.zeros((len(ids), 2, *self.shape), dtype=torch.int16)
        item = SentenceCounts(index, ids.short(), counts.short(), correct,
                              offset_correct.short(), coverage)
        self.per_sentence.append(item)
        return _Partial(member, ids, item, set(), pool)

    def _score(self, part: _Partial, sentence: Sentence, maps: torch.Tensor,
               layers: list[int]) -> None:
        """The per-head counts of one slice (layers ``layers``) of one sentence."""
        if part.item is None:
            return
        gold = torch.tensor(sentence.heads)
        hits = predict_heads(maps, self.causal) == gold  # [2, L', H, W]
        if self.causal:
            hits &= causal_coverage(sentence.heads)[:, None, None, :]
        correct = torch.einsum("rw,dlhw->rdlh", part.member, hits.long())  # [k, 2, L', H]
        if len(layers) == self.shape[0] and layers == list(range(self.shape[0])):
            full = correct
        else:
            full = torch.zeros((len(part.ids), 2, *self.shape), dtype=torch.int64)
            full[:, :, layers] = correct
        self.correct.index_add_(0, part.ids, full)
        part.item.correct[:, :, layers] += correct.short()

    # ----- results -----

    def _dense(self) -> tuple[list[SentenceCounts], np.ndarray, np.ndarray, np.ndarray]:
        """Per-sentence items in sentence order, with dense counts [S, R], offsets [S, R, 6] and
        (decoders) the coverage of each direction [S, R, 2]."""
        items = sorted(self.per_sentence, key=lambda c: c.index)
        r = len(self.relations)
        counts = np.zeros((len(items), r), dtype=np.int64)
        offsets = np.zeros((len(items), r, len(OFFSETS)), dtype=np.int64)
        coverage = np.zeros((len(items), r, 2), dtype=np.int64)
        for s, item in enumerate(items):
            ids = item.relations.long().numpy()
            counts[s, ids] = item.counts.numpy()
            offsets[s, ids] = item.offsets.numpy()
            if item.coverage is not None:
                coverage[s, ids] = item.coverage.numpy()
        return items, counts, offsets, coverage

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

    def _eligible_directions(self, rel: int) -> list[int]:
        """Decoders: the directions the best head is chosen from: those covering at least
        ``min_relation_count`` of the relation's dependents, else the one covering more (ties:
        both); none when neither covers any."""
        coverage = [int(c) for c in self.coverage[rel]]
        enough = [d for d in range(2) if coverage[d] >= self.context.config.min_relation_count]
        if enough:
            return enough
        most = max(coverage)
        return [d for d in range(2) if coverage[d] == most and most > 0]

    def _causal_accuracy(self, rel: int) -> torch.Tensor:
        """Decoders: ``[2, L, H]`` accuracy over each direction's covered dependents, -1 in the
        directions the best head is not chosen from."""
        coverage = self.coverage[rel].double().clamp(min=1)
        accuracy = self.correct[rel].double() / coverage[:, None, None]
        keep = torch.zeros(2, dtype=torch.bool)
        keep[self._eligible_directions(rel)] = True
        return torch.where(keep[:, None, None], accuracy, torch.full_like(accuracy, -1.0))

    def _causal_relation_result(
        self, rel: int, items: list[SentenceCounts], coverage: np.ndarray, offsets: np.ndarray,
        weights: np.ndarray | None,
    ) -> dict[str, Any]:
        """One relation of a decoder: each direction over the dependents it covers."""
        covered = [int(c) for c in self.coverage[rel]]
        hits = self.correct[rel]  # [2, L, H]
        ranked = self._causal_accuracy(rel)
        per_direction = self.shape[0] * self.shape[1]
        baselines: dict[str, dict[str, Any] | None] = {}
        by_direction: dict[str, dict[str, Any] | None] = {}
        accuracy: dict[str, list[list[float]] | None] = {}
        for d, name in enumerate(DIRECTIONS):
            if not covered[d]:
                baselines[name] = by_direction[name] = accuracy[name] = None
                continue
            accuracy[name] = grid(hits[d].double() / covered[d])
            f = int(torch.argmax(hits[d].flatten()))
            by_direction[name] = {"layer": f // self.shape[1], "head": f % self.shape[1],
                                  "accuracy": round(float(hits[d].flatten()[f]) / covered[d], 6)}
            columns = [OFFSETS.index(o) for o in CAUSAL_OFFSETS[name]]
            j = max(columns, key=lambda c: (int(self.offset_correct[rel, c]), -c))
            ci = None
            if weights is not None:
                ci = ratio_interval(offsets[:, rel, j], coverage[:, rel, d], weights, LEVEL)
            baselines[name] = {
                "offset": OFFSETS[j],
                "accuracy": round(float(self.offset_correct[rel, j]) / covered[d], 6),
                "ci": _interval(ci),
                "by_offset": {str(OFFSETS[c]): round(float(self.offset_correct[rel, c])
                                                     / covered[d], 6) for c in columns}}
        best = None
        if float(ranked.max()) >= 0:
            f = int(torch.argmax(ranked.flatten()))  # ties: dep2head, lower layer, lower head
            d, rest = divmod(f, per_direction)
            layer, head = divmod(rest, self.shape[1])
            best_ci = None
            if weights is not None:
                series = self._head_series(items, rel, (d, layer, head))
                best_ci = ratio_interval(series, coverage[:, rel, d], weights, LEVEL)
            best = {"layer": layer, "head": head, "direction": DIRECTIONS[d],
                    "accuracy": round(float(hits[d, layer, head]) / covered[d], 6),
                    "ci": _interval(best_ci)}
        return {
            "count": int(self.count[rel]),
            "coverage": {name: covered[d] for d, name in enumerate(DIRECTIONS)},
            "accuracy": accuracy,
            "best": best,
            "best_by_direction": by_direction,
            "baseline": baselines[best["direction"]] if best is not None else None,
            "baseline_by_direction": baselines,
        }

    def _top_heads(self, rel: int, how_many: int) -> list[tuple[int, int, int]]:
        """(direction, layer, head) of the best ``how_many`` heads, best first, ties by order
        (decoders: by accuracy over the covered dependents, in the directions ``best`` is
        chosen from)."""
        if self.causal:
            ranked = self._causal_accuracy(rel).flatten()
            order = sorted((f for f in range(ranked.numel()) if float(ranked[f]) >= 0),
                           key=lambda f: (-float(ranked[f]), f))[:how_many]
            per_direction = self.shape[0] * self.shape[1]
            return [(f // per_direction, (f % per_direction) // self.shape[1],
                     f % self.shape[1]) for f in order]
        flat = self.correct[rel].flatten()
        order = sorted(range(flat.numel()), key=lambda f: (-int(flat[f]), f))[:how_many]
        per_direction = self.shape[0] * self.shape[1]
        return [(f // per_direction, (f % per_direction) // self.shape[1], f % self.shape[1])
                for f in order]

    def result(self) -> dict[str, Any]:
        self.trees.close()
        if self._partial:
            raise ValueError(f"sentence {min(self._partial)} lacks layers")
        config = self.context.config
        data = self.context.data
        items, counts, offsets, coverage = self._dense()
        weights = (resample_weights(len(counts), DEFAULT_RESAMPLES, config.seed)
                   if len(counts) else None)
        reported = [r for r, name in enumerate(self.relations)
                    if name == ALL or int(self.count[r]) >= config.min_relation_count]
        if self.causal:
            relations = {self.relations[r]: self._causal_relation_result(
                r, items, coverage, offsets, weights) for r in reported}
        else:
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
                example = pick_example(pool, self.sentences, layer, head, DIRECTIONS[d], name,
                                       causal=self.causal)
                if example is not None:
                    examples.append(example)
        edges = max(int(self.mst_edges), 1)
        trees_of = (UNDIRECTED,) if self.causal else DIRECTIONS
        mst_correct = self.mst_correct[: len(trees_of)]
        uuas = mst_correct.double() / edges
        f = int(torch.argmax(mst_correct.flatten()))
        per_direction = self.shape[0] * self.shape[1]
        md, rest = divmod(f, per_direction)
        trees = data.trees if data is not None else "gold"
        ref = "gold" if trees == "gold" else "parser"
        out = {
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
                "uuas": {name: grid(uuas[dd]) for dd, name in enumerate(trees_of)},
                "best": {"direction": trees_of[md], "layer": rest // self.shape[1],
                         "head": rest % self.shape[1],
                         "uuas": round(float(mst_correct.flatten()[f]) / edges, 6)},
            },
            "examples": examples,
        }
        if self.causal:
            out["method"].update(causal_method(ref, config.min_relation_count))
        return out


def causal_method(ref: str, min_count: int) -> dict[str, Any]:
    """The ``method`` sentences that differ for a decoder (causal attention, SPEC section 11)."""
    return {
        "attention": "causal: word i sees only words j <= i",
        "directions": {
            "dep2head": "defined where the head precedes the dependent: prediction = the "
                        "earlier word the dependent attends to most",
            "head2dep": "defined where the dependent precedes the head: prediction = the later "
                        "word that attends most to the dependent",
        },
        "candidates": "the visible words only: for dep2head the words before the dependent, for "
                      "head2dep the words after it (which see it); special tokens are left out",
        "coverage": "each dependent is scored in the one direction its head's position allows; "
                    "coverage counts them per direction and each accuracy is over those",
        "best": f"the best head over the directions covering at least {min_count} of the "
                f"relation's dependents (else the direction covering more), by accuracy; the "
                f"baseline is that direction's",
        "offsets": {name: list(offsets) for name, offsets in CAUSAL_OFFSETS.items()},
        "mst": f"Chu-Liu/Edmonds maximum spanning tree of each head's word map, rooted at the "
               f"{ref} tree's root (Htut et al. 2019), on a seeded sample of sentences; the "
               f"pair i < j is scored by the attention from word j to word i (undirected, one "
               f"tree per head); UUAS = {ref} edges found / all {ref} edges, punctuation "
               f"included, pooled over the sampled sentences",
    }


def _interval(ci: tuple[float, float] | None) -> list[float] | None:
    return None if ci is None else [round(ci[0], 6), round(ci[1], 6)]
