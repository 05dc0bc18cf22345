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
    takes_layer_slices = True
    on_device = True

    def __init__(self, context: AnalysisContext, count: int = EXAMPLE_COUNT,
                 max_tokens: int = MAX_TOKENS) -> None:
        super().__init__(context)
        self.count = count
        self.max_tokens = max_tokens
        self.add_state("examples", [], "cat")
        self._partial: dict[int, dict[str, Any]] = {}
        """Examples of sliced batches still waiting for some of their layers."""

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
        """Encode the maps of the first ``count`` segments; a batch that carries only some
        layers fills those layers of its examples, each kept aside until complete."""
        layers = batch.layer_ids()
        for b in range(batch.size):
            index = int(batch.index[b])
            if index >= self.count:
                continue
            n = int(batch.lengths[b])
            roles = batch.roles[b, :n].tolist()
            kept = kept_positions(roles, self.max_tokens)
            example = self._partial.pop(index, None) or self._start(batch, b, index, kept)
            a = batch.attentions[b, :, :, :n, :n].cpu()  # two segments: encode on the host
            for position, layer in enumerate(layers):
                if example["maps"][layer] is not None:
                    raise ValueError(f"example {index}: layer {layer} arrived twice")
                example["maps"][layer] = [encode_map(a[position, head], kept)
                                          for head in range(a.shape[1])]
            if any(m is None for m in example["maps"]):
                self._partial[index] = example
            else:
                self.examples.append(example)

    def _start(self, batch: AttentionBatch, b: int, index: int, kept: list[int]
               ) -> dict[str, Any]:
        """An example's fields, its maps not yet filled (None per layer)."""
        n = int(batch.lengths[b])
        roles = batch.roles[b, :n].tolist()
        tokens = self._tokens(batch.input_ids[b, :n].tolist())
        return {
            "index": index,
            "source": self._source(index),
            "length": n,
            "positions": kept,
            "tokens": [tokens[i] for i in kept],
            "roles": [_role_name(roles[i]) for i in kept],
            "cropped": len(kept) < n,
            "maps": [None] * self.shape[0],
        }

    def merge(self, other: Accumulator) -> None:
        """As the base class; a shard with an example still waiting for layers cannot be
        merged."""
        if self._partial or getattr(other, "_partial", None):
            raise ValueError("cannot merge examples while an example lacks layers")
        super().merge(other)

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
