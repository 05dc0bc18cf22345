"""A second, straightforward computation of per-head dependency accuracy, for tests.

Written independently of generator/: transformers directly, one sentence at a time, each word
tokenized on its own, word-level maps with plain loops over word pairs (numpy over heads), the
argmax with numpy after masking each word itself. Only the definitions of SPEC sections 5
and 6 are shared.
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
        wmap = np.zeros(att.shape[:2] + (n_words, n_words))
        for i in range(n_words):
            rows_i = positions[i] if rows == "mean" else positions[i][:1]
            for j in range(n_words):
                block = att[:, :, rows_i][:, :, :, positions[j]]
                wmap[:, :, i, j] = block.sum(-1).mean(-1)
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
