"""Example attention maps on real segments, for the head pages (results/examples.json).

The first ``EXAMPLE_COUNT`` segments of the general corpus (its order is already seeded) are kept
with their tokens and, for every head, the attention map cropped to at most ``MAX_TOKENS``
positions: [CLS], every [SEP] and the first ordinary tokens. Each kept row also gets one last
column, the attention that went to the positions left out, so every row still sums to 1.

To keep the file small a map is stored as one string per head (generator/mapformat.py): rows
separated by ``;``, values by spaces, each the weight in thousandths (rounded to 3 decimals).
"""

from __future__ import annotations

from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext
from generator.mapformat import SCALE, encode_rows
from generator.model import roles as R
from generator.model.batch import AttentionBatch

EXAMPLE_COUNT = 2
MAX_TOKENS = 32


def kept_positions(roles: list[int], max_tokens: int = MAX_TOKENS) -> list[int]:
    """Positions shown in a cropped map: all when they fit, else specials plus the first words."""
    n = len(roles)
    if n <= max_tokens:
        return list(range(n))
    special = [i for i, r in enumerate(roles) if r in (R.CLS, R.SEP)][:max_tokens]
    budget = max_tokens - len(special)
    ordinary = [i for i, r in enumerate(roles) if r not in (R.CLS, R.SEP)][:budget]
    return sorted(special + ordinary)


def encode_map(attention: torch.Tensor, kept: list[int]) -> str:
    """One head's [n, n] map cropped to ``kept`` rows/columns plus an "other" column."""
    index = torch.tensor(kept, dtype=torch.long)
    rows = attention.index_select(0, index).double()
    cols = rows.index_select(1, index)
    other = (rows.sum(1) - cols.sum(1)).clamp(min=0.0)
    full = torch.cat([cols, other[:, None]], dim=1)
    return encode_rows(torch.round(full * SCALE).to(torch.long).tolist())


class AttentionExamples(Accumulator):
    name = "examples"
    on_device = True

    def __init__(self, context: AnalysisContext, count: int = EXAMPLE_COUNT,
                 max_tokens: int = MAX_TOKENS) -> None:
        super().__init__(context)
        self.count = count
        self.max_tokens = max_tokens
        self.add_state("examples", [], "cat")

    def _tokens(self, ids: list[int]) -> list[str]:
        tok = self.context.tokenizer
        if tok is None:
            return [str(i) for i in ids]
        return [str(t) for t in tok.convert_ids_to_tokens(ids)]

    def _source(self, index: int) -> str:
        data = self.context.data
        if isinstance(data, list | tuple) and 0 <= index < len(data):
            return str(getattr(data[index], "source", "") or "")
        return ""

    def update(self, batch: AttentionBatch) -> None:
        for b in range(batch.size):
            index = int(batch.index[b])
            if index >= self.count:
                continue
            n = int(batch.lengths[b])
            roles = batch.roles[b, :n].tolist()
            kept = kept_positions(roles, self.max_tokens)
            ids = batch.input_ids[b, :n].tolist()
            tokens = self._tokens(ids)
            a = batch.attentions[b, :, :, :n, :n].cpu()  # two segments: encode on the host
            maps = [[encode_map(a[layer, head], kept) for head in range(a.shape[1])]
                    for layer in range(a.shape[0])]
            self.examples.append({
                "index": index,
                "source": self._source(index),
                "length": n,
                "positions": kept,
                "tokens": [tokens[i] for i in kept],
                "roles": [_role_name(roles[i]) for i in kept],
                "cropped": len(kept) < n,
                "maps": maps,
            })

    def result(self) -> dict[str, Any]:
        examples = sorted(self.examples, key=lambda e: e["index"])
        return {
            "examples": examples,
            "max_tokens": self.max_tokens,
            "encoding": "per head: rows joined by ';', values by ' ', thousandths; "
                        "last column = attention to positions not shown",
        }


_ROLE_NAMES = {R.CLS: "cls", R.SEP: "sep", R.PUNCT: "punct", R.WORD: "word",
               R.OTHER_SPECIAL: "special", R.PAD: "pad", R.BOS: "bos"}


def _role_name(role: int) -> str:
    return _ROLE_NAMES.get(role, "word")
