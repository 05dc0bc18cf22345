"""A second, deliberately plain implementation of the general statistics (SPEC sections 2-3).

It runs the model through transformers directly, one segment at a time (no batching, no padding),
and computes every statistic with explicit loops over heads and rows. Tests compare headatlas's
vectorised, batched, cached pipeline against it.
"""

from __future__ import annotations

import numpy as np
import torch


def attention_of(model, input_ids, token_type_ids=None) -> np.ndarray:
    """[L, H, n, n] float64 attention for one unpadded segment."""
    inputs = {"input_ids": torch.tensor([input_ids])}
    if token_type_ids is not None:
        inputs["token_type_ids"] = torch.tensor([token_type_ids])
    with torch.no_grad():
        out = model(**inputs, output_attentions=True)
    return np.stack([a[0].double().numpy() for a in out.attentions])


def segment_statistics(att: np.ndarray, tokens: list[str], cls: str, seps: set[str]):
    """Every statistic for one segment, per head: a loop over heads and rows, numpy per row."""
    layers, heads, n, _ = att.shape
    is_sep = np.array([t in seps for t in tokens])
    is_cls = np.array([t == cls for t in tokens])
    is_punct = np.array([t in (".", ",") for t in tokens])
    n_sep = int(is_sep.sum())
    names = ("self", "next", "prev", "cls", "sep", "punct", "sep_sep", "rest_sep", "entropy",
             "cls_entropy")
    out = {k: np.zeros((layers, heads)) for k in names}
    for layer in range(layers):
        for head in range(heads):
            s = dict.fromkeys(names, 0.0)
            for i in range(n):
                row = att[layer, head, i]
                s["self"] += row[i]
                s["next"] += row[i + 1] if i + 1 < n else 0.0
                s["prev"] += row[i - 1] if i >= 1 else 0.0
                s["cls"] += row[is_cls].sum()
                s["sep"] += row[is_sep].sum()
                s["punct"] += row[is_punct].sum()
                if is_sep[i]:
                    s["sep_sep"] += row[is_sep].sum()
                else:
                    s["rest_sep"] += row[is_sep].sum()
                p = 0.9999 * row + 0.0001 / n
                entropy = float(-(p * np.log(p)).sum())
                s["entropy"] += entropy
                if i == 0:
                    s["cls_entropy"] = entropy
            for k in ("self", "next", "prev", "cls", "sep", "punct", "entropy"):
                out[k][layer, head] = s[k] / n
            out["sep_sep"][layer, head] = s["sep_sep"] / n_sep
            out["rest_sep"][layer, head] = s["rest_sep"] / (n - n_sep)
            out["cls_entropy"][layer, head] = s["cls_entropy"]
    return out


def corpus_statistics(model, tokenizer, segments) -> dict[str, np.ndarray]:
    """Mean over segments of each statistic; ``segments`` are (input_ids, token_type_ids)."""
    cls = tokenizer.cls_token or tokenizer.bos_token
    seps = {t for t in (tokenizer.sep_token, tokenizer.eos_token) if t}
    total: dict[str, np.ndarray] = {}
    for ids, types in segments:
        att = attention_of(model, ids, types)
        stats = segment_statistics(att, tokenizer.convert_ids_to_tokens(ids), cls, seps)
        for k, v in stats.items():
            total[k] = total.get(k, 0) + v
    return {k: v / len(segments) for k, v in total.items()}


def scipy_distances(batches: list, k: int) -> np.ndarray:
    """Independent: scipy's JS distance (squared) row by row for every pair of heads."""
    from scipy.spatial.distance import jensenshannon

    total, rows = np.zeros((k, k)), 0
    for batch in batches:
        for b in range(batch.size):
            n = int(batch.lengths[b])
            a = batch.attentions[b, :, :, :n, :n].double().numpy().reshape(k, n, n)
            a = 0.999 * a + 0.001 / n
            rows += n
            for h1 in range(k):
                for h2 in range(h1 + 1, k):
                    js = float((jensenshannon(a[h1], a[h2], axis=1) ** 2).sum())
                    total[h1, h2] += js
                    total[h2, h1] += js
    return total / rows
