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
``distance_rows`` attention rows drawn from every segment (``rows_used`` in heads.json), or on
every row with ``distance_rows = "all"``.

How good the sample is, measured on the build itself (split half): the sampled rows are dealt
into two halves at random, the JS sums are kept per half, and ``D = (S_0 + S_1) / n`` is the
published distance (the same number as one sum over all sampled rows). Each half is a simple
random sample of the rows, so for one pair of heads with per-row JS values of variance ``S^2``
over the N rows of the corpus, ``Var(D) = (1 - n/N) S^2 / n``, while the difference of the half
means has ``E[(D_0 - D_1)^2] = S^2 n / (n_0 n_1)``. Hence the standard error of D is estimated by

    sigma(D) = sqrt(1 - n/N) * sqrt(n_0 n_1) / n * |D_0 - D_1|
             = sqrt(1 - n/N) * |D_0 - D_1| / 2                   (equal halves)

one estimate per pair (one degree of freedom, so noisy alone: ``sampling_summary`` reports its
median, 95th percentile and maximum over pairs, relative to D). With every row (n = N) it is 0:
the published distances are exact for this corpus; the halves are still compared (nearest heads,
clusters), which says how much the map rests on which rows it sees.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from typing import Any

import numpy as np
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


def sample_order(total: int, wanted: int | str, seed: int) -> list[int]:
    """Flat row numbers of a seeded uniform sample of ``wanted`` of ``total`` rows (every row for
    "all" or when there are fewer), in the order drawn: every prefix is itself a uniform sample
    (``random.sample`` keeps selection order), which is what deals the split halves."""
    count = total if wanted == "all" else min(int(wanted), total)
    return random.Random(seed).sample(range(total), count)


def _by_segment(flat: Sequence[int], offsets: Sequence[int]) -> dict[int, list[int]]:
    """Flat row numbers (ascending) as {segment position: its rows, ascending}."""
    chosen: dict[int, list[int]] = {}
    for f in flat:
        segment = bisect.bisect_right(offsets, f) - 1
        chosen.setdefault(segment, []).append(f - offsets[segment])
    return chosen


def choose_halves(lengths: Sequence[int], wanted: int | str,
                  seed: int) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """The seeded sample of rows of ``choose_rows``, dealt into two halves at random: half 0 is
    the first ceil(n / 2) rows drawn, half 1 the rest. Each is {segment position: rows}."""
    offsets = list(itertools.accumulate(lengths, initial=0))
    order = sample_order(offsets[-1], wanted, seed)
    cut = (len(order) + 1) // 2
    return (_by_segment(sorted(order[:cut]), offsets), _by_segment(sorted(order[cut:]), offsets))


def choose_rows(lengths: Sequence[int], wanted: int | str, seed: int) -> dict[int, list[int]]:
    """A seeded uniform sample of ``wanted`` rows out of all rows of all segments (every row
    when there are fewer, or for "all"), as {segment position: its sampled rows, ascending}."""
    offsets = list(itertools.accumulate(lengths, initial=0))
    return _by_segment(sorted(sample_order(offsets[-1], wanted, seed)), offsets)


def segment_halves(n: int, index: int, seed: int) -> tuple[list[int], list[int]]:
    """Every row of one segment dealt into two halves (sizes ceil(n/2), floor(n/2)) by a coin
    seeded with (seed, segment index): for streams whose segments are not known in advance."""
    order = random.Random(f"{seed}:{index}").sample(range(n), n)
    cut = (n + 1) // 2
    return sorted(order[:cut]), sorted(order[cut:])


def split_half_sigma(d0: np.ndarray, d1: np.ndarray, n0: float, n1: float,
                     total: float | None) -> np.ndarray:
    """Estimated standard error of ``D = (n0 D0 + n1 D1) / n`` per pair, from the two halves:
    ``sqrt(1 - n/N) * sqrt(n0 n1) / n * |D0 - D1|`` (module docstring); 0 when every row is
    used (``total`` None means the stream's rows were all used)."""
    n = n0 + n1
    kept = 0.0 if total is None else max(0.0, 1.0 - n / total)
    return math.sqrt(kept) * math.sqrt(n0 * n1) / n * np.abs(d0 - d1)


def sampling_summary(sum_half: torch.Tensor, rows_half: Sequence[float],
                     total: int | None) -> dict[str, Any]:
    """heads.json ``sampling``: the split-half error of the distances and the agreement of the
    two halves' maps (nearest heads, clusters; the functions of headmap.py)."""
    from generator.analyses.headmap import cluster_heads, compare_maps

    n0, n1 = (float(r) for r in rows_half)
    n = n0 + n1
    out: dict[str, Any] = {
        "every_row": total is None or n >= total,
        "half_rows": [int(n0), int(n1)],
        "relative_error": None,
        "halves": None,
        "method": "the sampled rows are dealt at random into two halves; standard error of each "
                  "distance D = sqrt(1 - n/N) * sqrt(n0 n1) / n * |D0 - D1| (D0, D1: the "
                  "halves' distances; n0, n1 their rows; n rows used of N), divided by D, over "
                  "all pairs of heads; the halves' maps are compared with the same clustering "
                  "and nearest-head rules as the map",
    }
    if n0 == 0 or n1 == 0:
        return out
    s = sum_half.double().numpy()
    d, d0, d1 = (s[0] + s[1]) / n, s[0] / n0, s[1] / n1
    upper = np.triu_indices(d.shape[0], 1)
    positive = d[upper] > 0
    if positive.any():
        rel = (split_half_sigma(d0, d1, n0, n1, total)[upper][positive]
               / d[upper][positive])
        out["relative_error"] = {"median": round(float(np.median(rel)), 6),
                                 "p95": round(float(np.percentile(rel, 95)), 6),
                                 "max": round(float(rel.max()), 6)}
    full_clusters, _ = cluster_heads(np.round(d, 6))  # the map's own k (post-processing's)
    out["halves"] = compare_maps(np.round(d0, 6), np.round(d1, 6),
                                 at_k=int(full_clusters.max()) + 1)
    return out


class HeadDistances(Accumulator):
    """Streams the summed JS divergence of every pair of heads over a seeded sample of rows.

    The rows are drawn uniformly from all rows of the stream's segment list (``context.data``,
    as the general stream provides), so every part of the corpus can contribute; without a sized
    ``data`` every row is used. The sums are kept per split half (module docstring), so the
    result can state the sample's error.
    """

    name = "distances"
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        k = context.num_layers * context.num_heads
        self.add_state("sum_js_half", torch.zeros((2, k, k), dtype=torch.float64), "sum")
        self.add_state("rows_half", torch.zeros(2, dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros((), dtype=torch.float64), "sum")
        data = context.data
        sized = hasattr(data, "__len__") and all(hasattr(s, "__len__") for s in data)
        lengths = [len(s) for s in data] if sized else None
        self.total = len(lengths) if lengths is not None else None
        self.total_rows = sum(lengths) if lengths is not None else None
        config = context.config
        self.halves = (choose_halves(lengths, config.distance_rows, config.seed)
                       if lengths is not None else None)

    @property
    def sum_js(self) -> torch.Tensor:
        """Summed JS of every pair over all sampled rows (both halves), [K, K] float64."""
        return self.sum_js_half.sum(0)

    @property
    def rows(self) -> torch.Tensor:
        return self.rows_half.sum()

    def _picked(self, index: int, n: int) -> tuple[list[int], list[int]]:
        if self.halves is None:
            return segment_halves(n, index, self.context.config.seed)
        return self.halves[0].get(index, []), self.halves[1].get(index, [])

    def update(self, batch: AttentionBatch) -> None:
        k = self.context.num_layers * self.context.num_heads
        pieces: tuple[list[torch.Tensor], list[torch.Tensor]] = ([], [])
        rows = [0, 0]
        segments = 0
        for b in range(batch.size):
            n = int(batch.lengths[b])
            halves = self._picked(int(batch.index[b]), n)
            segments += any(halves)
            for half, picked in enumerate(halves):
                if picked:
                    maps = batch.attentions[b, :, :, picked, :n].reshape(k, len(picked) * n)
                    pieces[half].append(smooth_rows(maps.float(), n))
                    rows[half] += len(picked)
        for half in range(2):
            if pieces[half]:
                p = torch.cat(pieces[half], dim=1)
                chunk = CHUNK if p.device.type == "cpu" else DEVICE_CHUNK
                self.sum_js_half[half] += pairwise_js_sums(p, rows[half], chunk).cpu()
        self.rows_half += torch.tensor(rows, dtype=torch.float64)
        self.segments += segments

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
            "sampling": sampling_summary(self.sum_js_half, self.rows_half.tolist(),
                                         self.total_rows),
            "seed": self.context.config.seed,
        }
