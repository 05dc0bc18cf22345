"""Coreference per head (SPEC section 7; paper section 4.3, Table 2).

For every scored mention (see ``generator.analyses.antecedents``) each head predicts the candidate
word that the mention's head word attends to most in the word-level map; the baselines predict
from the mentions alone. Counts are kept per document, type and head, so the accuracy and its
bootstrap interval over documents come from a few small sum states.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from generator.analyses.antecedents import (
    BASELINES,
    PREDICTORS,
    RULES,
    SIEVES,
    TYPES,
    find_anaphors,
    mention_type,
    overlapped_only,
)
from generator.analyses.base import Accumulator, AnalysisContext, grid
from generator.model.batch import AttentionBatch
from generator.streams.coref import CorefData
from generator.wordlevel import word_units

BOOTSTRAP_SAMPLES = 1000
CONFIDENCE = 0.95
_KEY_STRIDE = 4096  # example key = window index * stride + mention index (mentions < stride)
_NO_EXAMPLE = torch.iinfo(torch.int64).max
PERSONAL_PRONOUNS = frozenset({
    "he", "she", "it", "they", "him", "her", "them", "his", "its", "their", "hers", "theirs",
    "himself", "herself", "itself", "themselves"})
"""Third-person pronouns with a referent in the text: the example prefers them to generic
"one", "you" or "we", whose antecedent is often only loosely the same entity."""


def word_rows(
    attention: torch.Tensor, word_ids: list[int], rows: str, words: list[int]
) -> tuple[torch.Tensor, list[int]]:
    """Rows of the word-level map (``generator.wordlevel.to_word_level``) for ``words`` only.

    Returns ([L, H, len(words), units], the unit of each word). Scoring needs only the rows of
    the scored mentions' head words, so the full map is never built.
    """
    units, membership = word_units(word_ids)
    unit_of = units.word_positions()
    picked = [unit_of[w] for w in words]
    membership = membership.to(attention.dtype)
    if rows == "mean":
        pick = membership[picked] / membership[picked].sum(1, keepdim=True)
    elif rows == "first":
        pick = torch.zeros(len(picked), membership.shape[1], dtype=attention.dtype)
        pick[torch.arange(len(picked)), torch.tensor([units.first_token[u] for u in picked])] = 1
    else:
        raise ValueError(f"rows must be 'mean' or 'first', got {rows!r}")
    return pick @ attention @ membership.T, unit_of


def head_predictions(row: torch.Tensor, candidates: list[int]) -> torch.Tensor:
    """Per head, the candidate (an entry of ``candidates``) that ``row`` [L, H, units] attends
    to most; ties go to the earliest candidate (argmax keeps the first)."""
    return torch.tensor(candidates)[row[:, :, candidates].argmax(-1)]


def bootstrap_interval(correct: np.ndarray, total: np.ndarray, draws: np.ndarray) -> list | None:
    """95% percentile interval of sum(correct)/sum(total) over documents resampled by ``draws``.

    ``correct`` and ``total`` are [D, ...] per-document counts; ``draws`` is [B, D] (how often
    each document is drawn in each resample). Returns [low, high] (nested for extra dims).
    """
    c = np.tensordot(draws, correct, axes=(1, 0))
    n = np.tensordot(draws, total, axes=(1, 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        acc = np.where(n > 0, c / np.maximum(n, 1), np.nan)
    if np.all(np.isnan(acc)):
        return None
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.nanpercentile(acc, [tail, 100 - tail], axis=0)
    return [_round(low), _round(high)]


def _round(x: Any) -> Any:
    if np.ndim(x) == 0:
        return None if np.isnan(x) else round(float(x), 6)
    return [_round(v) for v in x]


def _ratio(correct: float, total: float) -> float | None:
    return round(correct / total, 6) if total else None


class CorefHeads(Accumulator):
    """Antecedent-selection accuracy of every head and of the baselines, per document and type."""

    name = "coref"

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        data: CorefData = context.data
        docs, types = len(data.documents), len(TYPES)
        self.add_state("head_correct", torch.zeros((docs, types, *self.shape)), "sum")
        self.add_state("baseline_correct", torch.zeros((docs, types, len(BASELINES))), "sum")
        self.add_state("scored", torch.zeros((docs, types)), "sum")
        self.add_state("windows_seen", torch.zeros(()), "sum")
        self.add_state("mentions_seen", torch.zeros(()), "sum")
        # Mentions left unscored because their entity's only preceding mentions overlap them.
        self.add_state("overlapped_only", torch.zeros(()), "sum")
        # One example per head: the smallest key among correctly resolved pronouns with at
        # least two candidates, and (cat) the candidates' weights behind every key kept.
        # Keys of pronouns outside PERSONAL_PRONOUNS are offset past every other key.
        self.generic_offset = len(data.windows) * _KEY_STRIDE
        self.add_state("example_key", torch.full(self.shape, _NO_EXAMPLE), "min")
        self.add_state("example_weights", [], "cat")

    def update(self, batch: AttentionBatch) -> None:
        data: CorefData = self.context.data
        rows = self.context.config.word_rows
        for b in range(batch.size):
            index = int(batch.index[b])
            window = data.windows[index]
            self.windows_seen += 1
            self.mentions_seen += len(window.mentions)
            self.overlapped_only += len(overlapped_only(window.mentions))
            anaphors = find_anaphors(window.mentions)
            if not anaphors:
                continue
            n = int(batch.lengths[b])
            queries = [window.mentions[a.mention].head for a in anaphors]
            rows_of, unit_of = word_rows(batch.attentions[b, :, :, :n, :n],
                                         batch.word_ids[b, :n].tolist(), rows, queries)
            for q, a in enumerate(anaphors):
                mention = window.mentions[a.mention]
                t = TYPES.index(mention_type(window.xpos[mention.head]))
                cols = [unit_of[w] for w in a.candidates]
                picked_units = head_predictions(rows_of[:, :, q], cols)
                gold_units = torch.tensor([unit_of[w] for w in sorted(a.gold)])
                correct = torch.isin(picked_units, gold_units)
                self.head_correct[window.doc, t] += correct.float()
                self.scored[window.doc, t] += 1
                for k, name in enumerate(BASELINES):
                    predicted = PREDICTORS[name](window, a)
                    self.baseline_correct[window.doc, t, k] += float(predicted in a.gold)
                if TYPES[t] == "pronoun" and len(a.candidates) >= 2:
                    key = index * _KEY_STRIDE + a.mention
                    if window.words[mention.head].lower() not in PERSONAL_PRONOUNS:
                        key += self.generic_offset
                    self._keep_example(key, correct, rows_of[:, :, q][:, :, cols])

    def _keep_example(self, key: int, correct: torch.Tensor, weights: torch.Tensor) -> None:
        better = correct & (key < self.example_key)
        for layer, head in better.nonzero().tolist():
            self.example_key[layer, head] = key
            self.example_weights.append((layer, head, key, weights[layer, head].tolist()))

    def result(self) -> dict[str, Any]:
        data: CorefData = self.context.data
        scored = self.scored.double()
        per_type_total = scored.sum(0)  # [T]
        total = float(per_type_total.sum())
        head_by_type = self.head_correct.double().sum(0)  # [T, L, H]
        accuracy = {"all": grid(head_by_type.sum(0) / max(total, 1))}
        for t, name in enumerate(TYPES):
            accuracy[name] = grid(head_by_type[t] / per_type_total[t].clamp(min=1))
        used = (scored.sum(1) > 0).numpy()
        rng = np.random.default_rng(self.context.config.seed)
        d = int(used.sum())
        draws = np.stack([np.bincount(rng.integers(0, d, d), minlength=d)
                          for _ in range(BOOTSTRAP_SAMPLES)]) if d else np.zeros((0, 0))
        n_doc = scored.numpy()[used]  # [D, T]
        out: dict[str, Any] = {
            "mentions": int(total),
            "mentions_by_type": {name: int(per_type_total[t]) for t, name in enumerate(TYPES)},
            "mentions_in_windows": int(self.mentions_seen),
            "mentions_overlapped_only": int(self.overlapped_only),
            "windows": int(self.windows_seen),
            "skipped": data.skipped,
            "documents_scored": d,
            "accuracy": accuracy,
            "rules": {**RULES, "sieves": list(SIEVES), "word_rows": self.context.config.word_rows},
            "bootstrap": {"samples": BOOTSTRAP_SAMPLES, "confidence": CONFIDENCE,
                          "unit": "document", "seed": self.context.config.seed},
        }

        def summary(correct_dt: np.ndarray) -> dict[str, Any]:
            """Accuracy, interval and by-type values from per-document, per-type counts."""
            by_type = {
                name: {"accuracy": _ratio(correct_dt[:, t].sum(), n_doc[:, t].sum()),
                       "ci": bootstrap_interval(correct_dt[:, t], n_doc[:, t], draws) if d
                       else None,
                       "mentions": int(n_doc[:, t].sum())}
                for t, name in enumerate(TYPES)}
            return {"accuracy": _ratio(correct_dt.sum(), n_doc.sum()),
                    "ci": bootstrap_interval(correct_dt.sum(1), n_doc.sum(1), draws) if d
                    else None,
                    "by_type": by_type}

        if total == 0:
            out["best"] = None
            out["example"] = None
        else:
            flat = head_by_type.sum(0).flatten()
            best = int(torch.argmax(flat))  # ties: the lowest layer, then head
            layer, head = divmod(best, self.shape[1])
            correct = self.head_correct.double().numpy()[used][:, :, layer, head]
            out["best"] = {"layer": layer, "head": head, **summary(correct)}
            out["example"] = self._example(layer, head)
        baseline = self.baseline_correct.double().numpy()[used]
        out["baselines"] = {name: summary(baseline[:, :, k]) for k, name in enumerate(BASELINES)}
        return out

    def _example(self, layer: int, head: int) -> dict[str, Any] | None:
        """A passage where (layer, head) links a pronoun to its antecedent, for the pages."""
        key = int(self.example_key[layer, head])
        if key == _NO_EXAMPLE:
            return None
        weights = next(w for lay, h, k, w in self.example_weights
                       if (lay, h, k) == (layer, head, key))
        index, k = divmod(key % self.generic_offset, _KEY_STRIDE)
        window = self.context.data.windows[index]
        anaphor = next(a for a in find_anaphors(window.mentions) if a.mention == k)
        entity_ids: dict[str, int] = {}
        for m in window.mentions:
            entity_ids.setdefault(m.entity, len(entity_ids))
        picked = anaphor.candidates[int(np.argmax(weights))]
        return {
            "layer": layer, "head": head, "doc_id": window.doc_id,
            "first_sentence": window.first_sentence,
            "words": list(window.words),
            "sentence_starts": list(window.sentence_starts),
            "mentions": [{"start": m.start, "end": m.end, "head": m.head,
                          "entity": entity_ids[m.entity]} for m in window.mentions],
            "pronoun": k,
            "pronoun_word": window.mentions[k].head,
            "predicted_word": picked,
            "candidates": [{"word": w, "weight": round(float(x), 6), "gold": w in anaphor.gold}
                           for w, x in zip(anaphor.candidates, weights, strict=True)],
        }
