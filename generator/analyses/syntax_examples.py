"""Example sentences for drawing a head's attention between words (Clark et al. Figure 5).

While streaming, a small pool of word-level maps is kept: for every relation, the lowest-indexed
few sentences of moderate length that contain it. The pool depends only on which sentences were
seen, not on batch order, so it is deterministic and shards merge by concatenation. Once the best
heads are known, ``pick_example`` chooses, for one head, direction and relation, the pooled
sentence where that head finds the largest share of the relation's dependents (for a decoder: of
the dependents that direction covers under the causal mask, see syntax.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from generator.corpus.conllu import Sentence

PER_RELATION = 3
MIN_WORDS = 5
MAX_WORDS = 20
DIGITS = 3


@dataclass(frozen=True)
class PooledMap:
    """One sentence's word-to-word maps for every head, ``maps[l, h, i, j]`` (specials left out)."""

    index: int
    maps: torch.Tensor  # [L, H, W, W] float16


def eligible(sentence: Sentence) -> bool:
    return MIN_WORDS <= len(sentence) <= MAX_WORDS


def relations_of(sentence: Sentence) -> set[str]:
    return {w.deprel for w in sentence.words if w.head >= 0}


def prune_pool(pool: list[PooledMap], sentences: Sequence[Sentence]) -> list[PooledMap]:
    """Keep, for every relation, the ``PER_RELATION`` lowest-indexed pooled sentences with it."""
    unique = {p.index: p for p in pool}
    chosen: set[int] = set()
    taken: dict[str, int] = {}
    for index in sorted(unique):
        for rel in relations_of(sentences[index]):
            if taken.get(rel, 0) < PER_RELATION:
                taken[rel] = taken.get(rel, 0) + 1
                chosen.add(index)
    return [unique[i] for i in sorted(chosen)]


def predictions(word_map: torch.Tensor, direction: str, causal: bool = False) -> torch.Tensor:
    """Predicted head of every word from one ``[W, W]`` map (self excluded; ``causal``: visible
    candidates only, -1 for a word without any, as ``syntax.predict_heads``)."""
    scores = word_map.float().clone()
    w = scores.shape[-1]
    if causal:  # only the strict lower triangle (j < i) is visible
        scores = scores.masked_fill(torch.ones(w, w, dtype=torch.bool).triu(), float("-inf"))
    if direction == "head2dep":
        scores = scores.T.contiguous()
    scores.fill_diagonal_(float("-inf"))
    out = scores.argmax(-1)
    if causal and w:
        out[0 if direction == "dep2head" else w - 1] = -1
    return out


def covered(sentence: Sentence, direction: str) -> list[bool]:
    """Decoders: whether each word is scored in ``direction`` (dep2head: its head precedes it;
    head2dep: its head follows it)."""
    heads = [w.head for w in sentence.words]
    if direction == "dep2head":
        return [0 <= h < i for i, h in enumerate(heads)]
    return [h > i for i, h in enumerate(heads)]


def pick_example(
    pool: Sequence[PooledMap],
    sentences: Sequence[Sentence],
    layer: int,
    head: int,
    direction: str,
    relation: str,
    causal: bool = False,
) -> dict[str, Any] | None:
    """The pooled sentence that best shows head (layer, head) finding ``relation``, for drawing.

    Ranked by the share of the relation's dependents this head gets right, then by the number
    right, then the lower sentence index. None when no pooled sentence has the relation. A
    decoder (``causal``) counts only the dependents ``direction`` covers.
    """
    best: tuple[tuple[float, int, int], PooledMap, list[int], list[int]] | None = None
    for item in pool:
        sentence = sentences[item.index]
        deps = [i for i, w in enumerate(sentence.words)
                if w.head >= 0 and (relation == "all" or w.deprel == relation)]
        if causal:
            visible = covered(sentence, direction)
            deps = [i for i in deps if visible[i]]
        if not deps:
            continue
        predicted = predictions(item.maps[layer, head], direction, causal).tolist()
        right = [i for i in deps if predicted[i] == sentence.words[i].head]
        key = (len(right) / len(deps), len(right), -item.index)
        if best is None or key > best[0]:
            best = (key, item, right, deps)
    if best is None:
        return None
    _, item, right, deps = best
    sentence = sentences[item.index]
    word_map = item.maps[layer, head].float()
    out = {
        "relation": relation,
        "layer": layer,
        "head": head,
        "direction": direction,
        "sentence": item.index,
        "sent_id": sentence.sent_id,
        "words": sentence.forms,
        "heads": sentence.heads,
        "deprels": [w.deprel for w in sentence.words],
        "correct": right,
        "attention": [[round(float(v), DIGITS) for v in row] for row in word_map.tolist()],
    }
    if causal:
        out["covered"] = deps
    return out
