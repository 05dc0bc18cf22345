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

Decoder (causal) models, SPEC section 11: row i sees only columns j <= i, so row 0 is trivial and
left out: the sample is drawn from rows i >= 1 only, and each row is smoothed over its i + 1
visible tokens (``0.999 p + 0.001 / (i + 1)`` over j <= i; the entries j > i are left out, not
smoothed), JS over the visible entries. The pairwise pass needs no change: rows of any lengths
laid end to end, each summing to 1, give the same sums.

Layer slices: a batch may carry only some layers (``AttentionBatch.layers``). Distances pair heads
across layers, so the sampled rows' entries of a sliced batch are kept per layer (nothing else of
the maps) until every layer of that batch has arrived, then paired as one whole batch.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from generator.analyses.base import Accumulator, AnalysisContext
from generator.model.batch import AttentionBatch
from generator.threads import deal, on_cores

SMOOTHING = 0.001
CHUNK = 1024
"""Entries (rows x tokens of all heads at once) per block of columns in the pairwise pass."""
DEVICE_CHUNK = 16 * CHUNK
"""The same on a GPU, where each op is a kernel launch: fewer, larger blocks (buffers of
2 GROUP x heads x DEVICE_CHUNK floats: 75 MB for 144 heads, 0.5 GB for 1024)."""
GROUP = 4
"""Heads paired with all later heads per tensor op: fewer, larger ops (measured faster on a
2-core CPU than one head at a time); buffers hold GROUP x heads x CHUNK floats (~5 MB for 144)."""


def smooth_rows(attention: torch.Tensor, n: int | torch.Tensor) -> torch.Tensor:
    """``0.999 p + 0.001 / n`` for maps over n real tokens (the last axis has exactly n); for a
    decoder, ``n`` holds each entry's visible length (a tensor broadcast over the last axis)."""
    return attention * (1 - SMOOTHING) + SMOOTHING / n


def sampled_entries(attention: torch.Tensor, rows: Sequence[int], n: int, causal: bool,
                    dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The smoothed entries of the sampled ``rows`` of one segment, laid end to end per head.

    ``attention`` is one segment's ``[L, H, N, N]`` (padded to N >= n). Encoder: every row has
    the n real tokens, ``[L, H, len(rows) * n]``. Decoder (``causal``): row i has its i + 1
    visible entries j <= i, smoothed over i + 1, ``[L, H, sum(i + 1)]``. Entries are cast to
    ``dtype`` before smoothing.
    """
    if not causal:
        maps = attention[:, :, list(rows), :n]
        return smooth_rows(maps.to(dtype), n).reshape(*maps.shape[:2], len(rows) * n)
    device = attention.device
    picked = torch.tensor(list(rows), dtype=torch.long, device=device)
    visible = picked + 1
    row_of = torch.repeat_interleave(picked, visible)
    starts = torch.cumsum(visible, 0) - visible
    col_of = torch.arange(int(visible.sum()), device=device) - torch.repeat_interleave(starts,
                                                                                      visible)
    entries = attention[:, :, row_of, col_of]  # [L, H, F]
    return smooth_rows(entries.to(dtype), (row_of + 1).to(dtype))


def sum_plogp(p: torch.Tensor) -> torch.Tensor:
    """``sum p ln p`` over the last axis, for every leading index; entries must be > 0."""
    return (p * torch.log(p)).sum(-1)


def pairwise_slogs(p: torch.Tensor, chunk: int = CHUNK, group: int = GROUP,
                   workers: int | None = None) -> torch.Tensor:
    """``S[a, b] = sum_f s ln s`` with ``s = p[a, f] + p[b, f]``, for a < b (else 0), float64
    (the products ``s ln s`` in p's dtype, their sums in float64).

    ``p`` is [K, F]: K heads, F entries (rows x columns of any number of maps, concatenated).
    Entries must be > 0 (smoothed). Blocks of ``chunk`` columns and ``group`` heads keep memory
    at 2 group K chunk floats; each group is paired with every later head in one tensor op.

    On a CPU the groups are dealt to ``workers`` threads (default: torch's intra-op thread
    count), each running its ops on one core: thousands of small ops with torch's own threads
    meet at a barrier each, which on a busy machine waits for a descheduled thread every time
    (issue 20 measured 7-14 s of wall and 1.8-3.5 s of CPU against 0.55 s and 0.15 s for 256
    rows of 72 heads at load 8). Each pair's sums are added in the same column order either way:
    identical bits.
    """
    k, f = p.shape
    out = torch.zeros((k, k), dtype=torch.float64, device=p.device)
    width = min(chunk, f)
    groups = list(range(0, k - 1, group))

    def run(mine: list[int]) -> None:
        buf = torch.empty(group * k * width, dtype=p.dtype, device=p.device)
        log_buf = torch.empty_like(buf)
        for a0 in mine:
            a1 = min(a0 + group, k - 1)
            g, m = a1 - a0, k - a0 - 1  # heads a0..a1-1 against heads a0+1..k-1
            for start in range(0, f, width):
                block = p[:, start : start + width]
                w = block.shape[1]
                size = g * m * w
                s = buf[:size].view(g, m, w)
                log_s = log_buf[:size].view(g, m, w)
                torch.add(block[a0:a1, None, :], block[None, a0 + 1 :, :], out=s)
                torch.log(s, out=log_s).mul_(s)
                # float64 sums: a float32 dot would lose the small JS to cancellation
                out[a0:a1, a0 + 1 :] += log_s.sum(-1, dtype=torch.float64)

    workers = workers if workers is not None else torch.get_num_threads()
    if p.device.type != "cpu" or workers <= 1:
        run(groups)
    else:  # each group's pairs: k - a0 - 1 heads
        shares = deal([k - a0 - 1 for a0 in groups], workers)
        on_cores(run, [[groups[i] for i in share] for share in shares])
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


def _shifted(chosen: dict[int, list[int]], first_row: int) -> dict[int, list[int]]:
    if not first_row:
        return chosen
    return {segment: [r + first_row for r in rows] for segment, rows in chosen.items()}


def row_counts(lengths: Sequence[int], first_row: int = 0) -> list[int]:
    """Rows each segment offers to the sample: rows ``first_row..n-1`` (1 for a decoder)."""
    return [max(n - first_row, 0) for n in lengths]


def choose_halves(lengths: Sequence[int], wanted: int | str, seed: int, first_row: int = 0
                  ) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """The seeded sample of rows of ``choose_rows``, dealt into two halves at random: half 0 is
    the first ceil(n / 2) rows drawn, half 1 the rest. Each is {segment position: rows}."""
    offsets = list(itertools.accumulate(row_counts(lengths, first_row), initial=0))
    order = sample_order(offsets[-1], wanted, seed)
    cut = (len(order) + 1) // 2
    return (_shifted(_by_segment(sorted(order[:cut]), offsets), first_row),
            _shifted(_by_segment(sorted(order[cut:]), offsets), first_row))


def choose_rows(lengths: Sequence[int], wanted: int | str, seed: int, first_row: int = 0
                ) -> dict[int, list[int]]:
    """A seeded uniform sample of ``wanted`` rows out of all rows of all segments (every row
    when there are fewer, or for "all"), as {segment position: its sampled rows, ascending}.
    Only rows ``i >= first_row`` are drawn (1 for a decoder, whose row 0 is trivial)."""
    offsets = list(itertools.accumulate(row_counts(lengths, first_row), initial=0))
    return _shifted(_by_segment(sorted(sample_order(offsets[-1], wanted, seed)), offsets),
                    first_row)


def segment_halves(n: int, index: int, seed: int, first_row: int = 0
                   ) -> tuple[list[int], list[int]]:
    """Every row of one segment dealt into two halves (sizes ceil(m/2), floor(m/2) of its
    m = n - first_row rows) by a coin seeded with (seed, segment index): for streams whose
    segments are not known in advance."""
    m = max(n - first_row, 0)
    order = [r + first_row for r in random.Random(f"{seed}:{index}").sample(range(m), m)]
    cut = (m + 1) // 2
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


@dataclass
class _PendingBatch:
    """A sliced batch whose layers have not all arrived: its sampled rows' entries per layer."""

    pieces: tuple[dict[int, torch.Tensor], dict[int, torch.Tensor]]  # half -> layer -> [H, F]
    rows: list[int]
    segments: int


class HeadDistances(Accumulator):
    """Streams the summed JS divergence of every pair of heads over a seeded sample of rows.

    The rows are drawn uniformly from all rows of the stream's segment list (``context.data``,
    as the general stream provides), so every part of the corpus can contribute; without a sized
    ``data`` every row is used. The sums are kept per split half (module docstring), so the
    result can state the sample's error. A decoder (``context.kind``) uses rows i >= 1 and their
    visible entries only.
    """

    name = "distances"
    takes_layer_slices = True
    on_device = True

    def __init__(self, context: AnalysisContext) -> None:
        super().__init__(context)
        k = context.num_layers * context.num_heads
        self.add_state("sum_js_half", torch.zeros((2, k, k), dtype=torch.float64), "sum")
        self.add_state("rows_half", torch.zeros(2, dtype=torch.float64), "sum")
        self.add_state("segments", torch.zeros((), dtype=torch.float64), "sum")
        self.causal = context.kind == "decoder"
        self.first_row = 1 if self.causal else 0
        data = context.data
        sized = hasattr(data, "__len__") and all(hasattr(s, "__len__") for s in data)
        lengths = [len(s) for s in data] if sized else None
        self.total = len(lengths) if lengths is not None else None
        self.total_rows = (sum(row_counts(lengths, self.first_row)) if lengths is not None
                           else None)
        config = context.config
        self.halves = (choose_halves(lengths, config.distance_rows, config.seed, self.first_row)
                       if lengths is not None else None)
        self._pending: dict[tuple[int, ...], _PendingBatch] = {}
        """Sliced batches (by their segments' indices) waiting for the rest of their layers."""

    @property
    def sum_js(self) -> torch.Tensor:
        """Summed JS of every pair over all sampled rows (both halves), [K, K] float64."""
        return self.sum_js_half.sum(0)

    @property
    def rows(self) -> torch.Tensor:
        return self.rows_half.sum()

    def _picked(self, index: int, n: int) -> tuple[list[int], list[int]]:
        if self.halves is None:
            return segment_halves(n, index, self.context.config.seed, self.first_row)
        return self.halves[0].get(index, []), self.halves[1].get(index, [])

    def update(self, batch: AttentionBatch) -> None:
        pieces: tuple[list[torch.Tensor], list[torch.Tensor]] = ([], [])
        rows = [0, 0]
        segments = 0
        for b in range(batch.size):
            n = int(batch.lengths[b])
            halves = self._picked(int(batch.index[b]), n)
            segments += any(halves)
            for half, picked in enumerate(halves):
                if picked:
                    pieces[half].append(sampled_entries(batch.attentions[b], picked, n,
                                                        self.causal))
                    rows[half] += len(picked)
        joined = [torch.cat(p, dim=-1) if p else None for p in pieces]  # [L', H, F] per half
        if batch.whole:
            self._pair([None if p is None else p.reshape(-1, p.shape[-1]) for p in joined],
                       rows, segments)
            return
        key = tuple(int(i) for i in batch.index.tolist())
        pending = self._pending.setdefault(key, _PendingBatch(({}, {}), rows, segments))
        for position, layer in enumerate(batch.layer_ids()):
            if layer in pending.pieces[0] or layer in pending.pieces[1]:
                raise ValueError(f"layer {layer} of the batch of segments {key[:3]}... "
                                 "arrived twice")
            for half in range(2):
                if joined[half] is not None:
                    pending.pieces[half][layer] = joined[half][position]
        arrived = set(pending.pieces[0]) | set(pending.pieces[1])
        if len(arrived) == self.context.num_layers or not any(rows):
            del self._pending[key]
            layers = range(self.context.num_layers)
            self._pair([torch.cat([pending.pieces[half][layer] for layer in layers])
                        if pending.pieces[half] else None for half in range(2)],
                       pending.rows, pending.segments)

    def merge(self, other: Accumulator) -> None:
        """As the base class; a shard with a sliced batch still waiting for layers cannot be
        merged (its rows are in neither shard's sums yet)."""
        if self._pending or getattr(other, "_pending", None):
            raise ValueError("cannot merge distances while a sliced batch lacks layers")
        super().merge(other)

    def _pair(self, maps: Sequence[torch.Tensor | None], rows: Sequence[int],
              segments: int) -> None:
        """Fold one whole batch: ``maps[half]`` is [K, F], the half's sampled entries."""
        for half in range(2):
            p = maps[half]
            if p is not None:
                chunk = CHUNK if p.device.type == "cpu" else DEVICE_CHUNK
                self.sum_js_half[half] += pairwise_js_sums(p, rows[half], chunk).cpu()
        self.rows_half += torch.tensor(list(rows), dtype=torch.float64)
        self.segments += segments

    def result(self) -> dict[str, Any]:
        if self._pending:
            missing = next(iter(self._pending))
            raise ValueError(f"the batch of segments {missing[:3]}... lacks layers")
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
