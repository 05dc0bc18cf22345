"""A second, straightforward computation of per-head dependency accuracy, for tests.

Written independently of generator/: transformers directly, one sentence at a time, each word
tokenized on its own, word-level maps with plain loops over word pairs (numpy over heads), the
argmax with numpy after masking each word itself. Only the definitions of SPEC sections 5
and 6 are shared. ``causal_reference`` does the same for decoders (SPEC section 11) from given
word maps: each dependent in the one direction its head's position allows, candidates by loops.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import torch


def word_pieces(tokenizer, words):
    """Token ids with [CLS]/[SEP] and, per word, its token positions (None when too long)."""
    ids = [tokenizer.cls_token_id]
    positions = []
    for word in words:
        pieces = tokenizer(word, add_special_tokens=False)["input_ids"] or [tokenizer.unk_token_id]
        positions.append(list(range(len(ids), len(ids) + len(pieces))))
        ids.extend(pieces)
    ids.append(tokenizer.sep_token_id)
    return ids, positions


def reference_scores(model_dir, sentences, max_len, rows="mean"):
    """(counts per relation, correct per relation [2, L, H], kept, skipped)."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    counts = Counter()
    correct = defaultdict(lambda: None)
    kept = skipped = 0
    for s in sentences:
        words = [w.form for w in s.words]
        ids, positions = word_pieces(tokenizer, words)
        if len(ids) > max_len:
            skipped += 1
            continue
        kept += 1
        with torch.no_grad():
            out = model(input_ids=torch.tensor([ids]), output_attentions=True)
        att = torch.cat(out.attentions).numpy()  # [L, H, n, n]
        n_words = len(words)
        wmap = word_map_loops(att, positions, rows)
        masked = wmap.copy()
        for i in range(n_words):
            masked[:, :, i, i] = -np.inf
        predicted = (masked.argmax(-1), masked.argmax(-2))  # each [L, H, W]
        for i, w in enumerate(s.words):
            if w.head < 0:
                continue
            for rel in (w.deprel, "all"):
                counts[rel] += 1
                if correct[rel] is None:
                    correct[rel] = np.zeros((2,) + att.shape[:2], dtype=int)
                for d in range(2):
                    correct[rel][d] += predicted[d][:, :, i] == w.head
    return counts, dict(correct), kept, skipped


def word_map_loops(att, positions, rows="mean"):
    """[L, H, n, n] token attention to [L, H, W, W] word maps: for every pair of words, the sum
    of the columns of j's pieces, averaged over i's pieces' rows (or i's first piece's row)."""
    n_words = len(positions)
    wmap = np.zeros(att.shape[:2] + (n_words, n_words))
    for i in range(n_words):
        rows_i = positions[i] if rows == "mean" else positions[i][:1]
        for j in range(n_words):
            block = att[:, :, rows_i][:, :, :, positions[j]]
            wmap[:, :, i, j] = block.sum(-1).mean(-1)
    return wmap


def causal_reference(word_maps, sentences):
    """Decoder scores by loops: per relation (and "all") the dependents, the coverage of each
    direction, correct [2, L, H] over the covered ones, and offset hits {k: hits}.

    A dependent i with head h is scored by dep2head when h < i (the earlier word i attends to
    most, over words 0..i-1) and by head2dep when h > i (the later word that attends most to i,
    over words i+1..W-1). The offsets: -3..-1 on dep2head's dependents, 1..3 on head2dep's.
    """
    counts = Counter()
    coverage = defaultdict(lambda: [0, 0])
    correct = {}
    offsets = defaultdict(Counter)
    for wmap, s in zip(word_maps, sentences, strict=True):
        layers, heads, n_words, _ = wmap.shape
        for i, w in enumerate(s.words):
            h = w.head
            if h < 0:
                continue
            d = 0 if h < i else 1
            for rel in (w.deprel, "all"):
                counts[rel] += 1
                coverage[rel][d] += 1
                correct.setdefault(rel, np.zeros((2, layers, heads), dtype=int))
                for k in ((-3, -2, -1) if d == 0 else (1, 2, 3)):
                    offsets[rel][k] += h == i + k
            for layer in range(layers):
                for head in range(heads):
                    if d == 0:
                        candidates = list(range(i))
                        scores = [wmap[layer, head, i, j] for j in candidates]
                    else:
                        candidates = list(range(i + 1, n_words))
                        scores = [wmap[layer, head, j, i] for j in candidates]
                    best = 0
                    for c in range(1, len(scores)):
                        if scores[c] > scores[best]:
                            best = c
                    if candidates[best] == h:
                        for rel in (w.deprel, "all"):
                            correct[rel][d, layer, head] += 1
    return counts, dict(coverage), correct, dict(offsets)


def max_spanning_tree_prim(scores):
    """Undirected edges of the maximum spanning tree of a symmetric [W, W] score matrix (Prim,
    plain loops), as a set of (smaller, larger) word pairs."""
    n = len(scores)
    inside, edges = {0}, set()
    while len(inside) < n:
        best = None
        for a in inside:
            for b in range(n):
                if b not in inside and (best is None or scores[a][b] > best[0]):
                    best = (scores[a][b], a, b)
        _, a, b = best
        inside.add(b)
        edges.add((min(a, b), max(a, b)))
    return edges
