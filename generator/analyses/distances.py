"""Jensen-Shannon distances between every pair of heads (SPEC section 9; paper section 6).

``D[h1, h2] = sum over segments and rows i of JS(A_h1[i, :], A_h2[i, :]) / number of rows``,
each row smoothed ``0.999 p + 0.001 / n`` over its n real tokens, natural log. Heads are numbered
``layer * num_heads + head``.

Why it is cheap enough: ``JS(p, q) = H((p + q) / 2) - (H(p) + H(q)) / 2``, so only the mixture
entropy needs a pass per pair, and with ``s = p + q`` (rows of s sum to 2)
``H(s / 2) = ln 2 - (sum s ln s) / 2``: one add, one log and one multiply per pair and element,
in blocks of columns so memory stays bounded. The elements are float32 (about twice the
throughput of float64 on a CPU) and every sum is float64: the distance is a small difference of
large sums, which a float32 sum would lose for heads that are nearly alike (measured: 1.8e-7 per
row against 1.8e-9 with float64 sums, on distances of 4.5e-5).
The pairwise pass grows with heads squared, so it runs on a seeded uniform sample of
``distance_rows`` attention rows drawn from every segment (``rows_used`` in heads.json).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from typing import Any

import torch

from generator.analyses.base import Accumulator, AnalysisContext
from generator.model.batch import AttentionBatch

SMOOTHING = 0.001
CHUNK = 1024
"""Entries (rows x tokens of all heads at once) per block of columns in the pairwise pass."""
DEVICE_CHUNK = 16 * CHUNK
"""The same on a GPU, where each op is a kernel launch: fewer, larger blocks (buffers of
2 GROUP x heads x DEVICE_CHUNK floats: 75 MB for 144 heads, 0.5 GB for 1024)."""
GROUP = 4
"""Heads paired with all later heads per tensor op: fewer, larger ops (measured faster on a
2-core CPU than one head at a time); buffers hold GROUP x heads x CHUNK floats (~5 MB for 144)."""


def smooth_rows(attention: torch.Tensor, n: int) -> torch.Tensor:
    """``0.999 p + 0.001 / n`` for maps over n real tokens (the last axis has exactly n)."""
    return attention * (1 - SMOOTHING) + SMOOTHING / n


def sum_plogp(p: torch.Tensor) -> torch.Tensor:
    """``sum p ln p`` over the last axis, for every leading index; entries must be > 0."""
    return (p * torch.log(p)).sum(-1)


def pairwise_slogs(p: torch.Tensor, chunk: int = CHUNK, group: int = GROUP) -> torch.Tensor:
    """``S[a, b] = sum_f s ln s`` with ``s = p[a, f] + p[b, f]``, for a < b (else 0), float64
    (the products ``s ln s`` in p's dtype, their sums in float64).

    ``p`` is [K, F]: K heads, F entries (rows x columns of any number of maps, concatenated).
    Entries must be > 0 (smoothed). Blocks of ``chunk`` columns and ``group`` heads keep memory
    at 2 group K chunk floats; each group is paired with every later head in one tensor op.
    """
    k, f = p.shape
    out = torch.zeros((k, k), dtype=torch.float64, device=p.device)
    width = min(chunk, f)
    buf = torch.empty(group * k * width, dtype=p.dtype, device=p.device)
    log_buf = torch.empty_like(buf)
    for start in range(0, f, width):
        block = p[:, start : start + width]
        w = block.shape[1]
        for a0 in range(0, k - 1, group):
            a1 = min(a0 + group, k - 1)
            g, m = a1 - a0, k - a0 - 1  # heads a0..a1-1 against heads a0+1..k-1
            size = g * m * w
            s = buf[:size].view(g, m, w)
            log_s = log_buf[:size].view(g, m, w)
            torch.add(block[a0:a1, None, :], block[None, a0 + 1 :, :], out=s)
            torch.log(s, out=log_s).mul_(s)
            # float64 sums: a float32 dot would lose the small JS to cancellation
            out[a0:a1, a0 + 1 :] += log_s.sum(-1, dtype=torch.float64)
    return out.triu_(1)


def pairwise_js_sums(p: torch.Tensor, rows: int, chunk: int = CHUNK) -> torch.Tensor:
    """Sum over rows of JS(p_a row, p_b row) for every pair of heads, [K, K] float64, symmetric.

    ``p`` is [K, F] with F = the entries of ``rows`` smoothed probability rows laid end to end
    (each row sums to 1, every entry > 0). Natural log.
    """
    plogp = sum_plogp(p.double())  # [K]: minus the summed row entropies
    upper = pairwise_slogs(p, chunk)
    slogs = upper + upper.T
    js = rows * math.log(2) - 0.5 * slogs + 0.5 * (plogp[:, None] + plogp[None, :])
    js.fill_diagonal_(0.0)
    return js.clamp_(min=0.0)


def choose_rows(lengths: Sequence[int], wanted: int, seed: int) -> dict[int, list[int]]:
    """A seeded uniform sample of ``wanted`` rows out of all rows of all segments (every row
    when there are fewer), as {segment position: its sampled rows, ascending}."""
    offsets = list(itertools.accumulate(lengths, initial=0))
    total = offsets[-1]
    flat = range(total) if wanted >= total else sorted(random.Random(seed).sample(range(total),
                                                                                  wanted))
    chosen: dict[int, list[int]] = {}
    for f in flat:
        segment = bisect.bisect_right(offsets, f) - 1
        chosen.setdefault(segment, []).append(f - offsets[segment])
    return chosen


class HeadDistances(Accumulator):
    """Streams the summed JS divergence of every pair of heads over a seeded sample of rows.

    The rows are drawn uniformly from all rows of the stream's segment list (``context.data``,
    as the general stream provides), so every part of the corpus can contribute; without a sized
    ``data`` every row is used.
    """

    name = "distances"
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        k = context.num_layers * context.num_heads
        self.add_state("sum_js", torch.zeros((k, k), dtype=torch.float64), "sum")
        self.add_state("rows", torch.zeros((), dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros((), dtype=torch.float64), "sum")
        data = context.data
        sized = hasattr(data, "__len__") and all(hasattr(s, "__len__") for s in data)
        lengths = [len(s) for s in data] if sized else None
        self.total = len(lengths) if lengths is not None else None
        self.total_rows = sum(lengths) if lengths is not None else None
        self.chosen = (choose_rows(lengths, context.config.distance_rows, context.config.seed)
                       if lengths is not None else None)

    def update(self, batch: AttentionBatch) -> None:
        k = self.context.num_layers * self.context.num_heads
        pieces = []
        rows = 0
        for b in range(batch.size):
            n = int(batch.lengths[b])
            if self.chosen is None:
                picked = list(range(n))
            else:
                picked = self.chosen.get(int(batch.index[b]), [])
            if not picked:
                continue
            maps = batch.attentions[b, :, :, picked, :n].reshape(k, len(picked) * n)
            pieces.append(smooth_rows(maps.float(), n))
            rows += len(picked)
        if not pieces:
            return
        p = torch.cat(pieces, dim=1)
        chunk = CHUNK if p.device.type == "cpu" else DEVICE_CHUNK
        self.sum_js += pairwise_js_sums(p, rows, chunk).cpu()
        self.rows += rows
        self.segments += len(pieces)

    def result(self) -> dict[str, Any]:
        rows = float(self.rows)
        distance = (self.sum_js / max(rows, 1.0)).tolist()
        layers, heads = self.context.num_layers, self.context.num_heads
        return {
            "distance": [[round(v, 6) for v in row] for row in distance],
            "heads": [[layer, head] for layer in range(layers) for head in range(heads)],
            "segments_used": int(self.segments),
            "segments_total": self.total,
            "rows_used": int(rows),
            "rows_total": self.total_rows,
            "seed": self.context.config.seed,
        }
