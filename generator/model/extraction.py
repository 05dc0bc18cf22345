"""Streaming extraction: run the model over segments in length-sorted batches.

Batches are sorted by length to cut padding; each batch carries the corpus position of its
segments, so order-dependent consumers can restore corpus order. Only one batch of attention is in
memory at a time.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from typing import Any

import torch

from generator.encoding.segment import Segment
from generator.errors import HeadAtlasError
from generator.model.batch import AttentionBatch
from generator.model.cache import AttentionCache
from generator.model.layer_capture import capture_layers
from generator.model.loading import LoadedModel
from generator.model.value_norms import capture_value_norms, zero_padding_norms
from generator.progress import track
from generator.timings import Timings


def plan_batches(segments: Sequence[Segment], batch_size: int,
                 skip: Collection[int] = (), block: int = 0) -> list[list[int]]:
    """Indices of segments grouped into batches, longest first (stable for equal lengths);
    the indices in ``skip`` are left out (their attention comes from elsewhere).

    ``block`` > 0: no batch crosses a block of ``block`` consecutive indices, and the blocks come
    in order (``generator.shards``: a segment's batch is the same in every shard layout)."""
    skipped = set(skip)
    kept = [i for i in range(len(segments)) if i not in skipped]
    groups: dict[int, list[int]] = {}
    for i in kept:
        groups.setdefault(i // block if block > 0 else 0, []).append(i)
    plan: list[list[int]] = []
    for group in groups.values():
        order = sorted(group, key=lambda i: (-len(segments[i]), i))
        plan += [order[k : k + batch_size] for k in range(0, len(order), batch_size)]
    return plan


def zero_padding(att: torch.Tensor, lengths: Sequence[int]) -> None:
    """Zero the padding rows and columns of ``att[b, ..., N, N]`` in place (segment b has
    ``lengths[b]`` real tokens): only the padded entries are touched, no copy of the batch."""
    for b, n in enumerate(lengths):
        att[b, ..., n:, :] = 0
        att[b, ..., :n, n:] = 0


def forward_attentions(lm: LoadedModel, inputs: dict[str, torch.Tensor]
                       ) -> tuple[torch.Tensor, ...]:
    """Every layer's attention weights for one batch: through the model's attention tap when it
    has one (the pass stops after the last weights), else from the whole forward pass."""
    if lm.attention_tap is not None:
        return lm.attention_tap.attentions(lm.model, inputs)
    out = lm.model(**inputs, output_attentions=True)
    if not getattr(out, "attentions", None):
        raise HeadAtlasError(f"model '{lm.name}' did not return attention weights", path="--model")
    return out.attentions


def _batch_inputs(lm: LoadedModel, chosen: Sequence[Segment], indices: list[int]
                  ) -> tuple[dict[str, torch.Tensor], AttentionBatch]:
    """The model inputs of a batch (right-padded, on the model's device) and its batch without
    attention (an empty tensor in its place): what the whole and the sliced paths share."""
    b, n = len(chosen), max(len(s) for s in chosen)
    pad_id = lm.tokenizer.pad_token_id or 0
    input_ids = torch.full((b, n), pad_id, dtype=torch.long)
    type_ids = torch.zeros((b, n), dtype=torch.long)
    word_ids = torch.full((b, n), -1, dtype=torch.long)
    roles = torch.zeros((b, n), dtype=torch.int8)
    mask = torch.zeros((b, n), dtype=torch.long)
    for r, s in enumerate(chosen):
        k = len(s)
        input_ids[r, :k] = torch.tensor(s.input_ids)
        type_ids[r, :k] = torch.tensor(s.token_type_ids)
        word_ids[r, :k] = torch.tensor(s.word_ids)
        roles[r, :k] = torch.tensor(lm.roles.roles(list(s.input_ids)), dtype=torch.int8)
        mask[r, :k] = 1
    inputs = {"input_ids": input_ids, "attention_mask": mask}
    if lm.uses_token_types:
        inputs["token_type_ids"] = type_ids
    inputs = {k: v.to(lm.device) for k, v in inputs.items()}
    bare = AttentionBatch(
        attentions=torch.empty(0),
        input_ids=input_ids,
        roles=roles,
        word_ids=word_ids,
        lengths=mask.sum(1),
        index=torch.tensor(indices, dtype=torch.long),
    )
    return inputs, bare


def stacked_norms(norms: dict[int, torch.Tensor], num_layers: int, lengths: Sequence[int]
                  ) -> torch.Tensor:
    """The per-layer norms ``{layer: [B, H, N]}`` of one pass as ``[B, L, H, N]``, padding
    zeroed."""
    if sorted(norms) != list(range(num_layers)):
        raise RuntimeError(f"value norms captured for layers {sorted(norms)} of {num_layers}")
    return zero_padding_norms(torch.stack([norms[k] for k in range(num_layers)], dim=1),
                              list(lengths))


def run_batch(
    lm: LoadedModel, segments: Sequence[Segment], indices: list[int],
    timings: Timings | None = None, *, norms: bool = False,
) -> AttentionBatch:
    """One forward pass with attentions; padding rows and columns are zeroed. The batch stays on
    the model's device (``batch.to("cpu")`` for host work). ``norms``: the batch also carries
    ``value_norms`` (norm-based attention), captured in the same pass."""
    chosen = [segments[i] for i in indices]
    inputs, bare = _batch_inputs(lm, chosen, indices)
    timings = timings or Timings()
    captured: dict[int, torch.Tensor] = {}

    def keep(layer: int, values: torch.Tensor) -> None:  # gathered where the inputs are
        captured[layer] = values.to(lm.device)

    capture = capture_value_norms(lm.model, keep) if norms else contextlib.nullcontext()
    with timings.stage("model forward"), torch.inference_mode(), capture:
        attentions = forward_attentions(lm, inputs)
    # [B, L, H, N, N], gathered on the inputs' device (--device auto: layers on several GPUs)
    att = torch.stack([a.to(lm.device) for a in attentions], dim=1).float()
    lengths = [len(s) for s in chosen]
    zero_padding(att, lengths)
    value_norms = stacked_norms(captured, att.shape[1], lengths) if norms else None
    return replace(bare, attentions=att, value_norms=value_norms).to(att.device)


_DONE = object()


def run_batch_sliced(
    lm: LoadedModel, segments: Sequence[Segment], indices: list[int],
    timings: Timings | None = None, *, norms: bool = False,
) -> Iterator[AttentionBatch]:
    """One forward pass that yields one batch per layer as the model produces it
    (``layers=tensor([l])``, padding zeroed, otherwise as ``run_batch``): the consumer folds a
    layer before the next is computed, so at most two layers' maps exist at once.

    The pass runs under ``capture_layers`` in a worker thread that waits after each layer until
    the consumer has taken it (a queue of one), so the maps are those of the whole path bit for
    bit. Closing the generator early stops the pass at its next layer. ``norms``: each slice
    also carries its layer's ``value_norms`` ([B, 1, H, N])."""
    chosen = [segments[i] for i in indices]
    inputs, bare = _batch_inputs(lm, chosen, indices)
    lengths = [len(s) for s in chosen]
    handoff: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()
    timings = timings or Timings()
    pending: dict[int, torch.Tensor] = {}  # a layer's norms, captured just before its weights

    def consume(layer: int, weights: torch.Tensor) -> None:
        if stop.is_set():
            raise _Stopped
        # [B, 1, H, N, N] on the inputs' device (--device auto: the layer may be on another
        # GPU), a copy unless float32 there already
        att = weights.unsqueeze(1).float().to(lm.device)
        if att.data_ptr() == weights.data_ptr():
            att = att.clone()  # the layer still multiplies ``weights`` with its values
        zero_padding(att, lengths)
        value_norms = (zero_padding_norms(pending.pop(layer).unsqueeze(1), lengths) if norms
                       else None)
        handoff.put(replace(bare, attentions=att, value_norms=value_norms,
                            layers=torch.tensor([layer], dtype=torch.long)).to(att.device))

    def work() -> None:
        def keep(layer: int, values: torch.Tensor) -> None:  # where the inputs are
            pending[layer] = values.to(lm.device)

        capture = capture_value_norms(lm.model, keep) if norms else contextlib.nullcontext()
        try:
            with torch.inference_mode(), capture, capture_layers(lm.model, consume):
                lm.model(**inputs)
            handoff.put(_DONE)
        except _Stopped:
            pass
        except BaseException as error:  # handed to the consumer's thread
            handoff.put(error)

    thread = threading.Thread(target=work, name="headatlas-layer-slices", daemon=True)
    start = time.perf_counter()
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                break
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a worker waiting to hand over a layer
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.05)
        thread.join()
        timings.stages["model forward (sliced, with analyses)"] = (
            timings.stages.get("model forward (sliced, with analyses)", 0.0)
            + time.perf_counter() - start)


class _Stopped(Exception):
    """The consumer closed a sliced pass early."""


def extract(
    lm: LoadedModel,
    segments: Sequence[Segment],
    *,
    batch_size: int,
    cache: AttentionCache | None = None,
    description: str = "Extracting attention",
    timings: Timings | None = None,
    skip: Collection[int] = (),
    sliced: bool = False,
    block: int = 0,
    norms: bool = False,
) -> Iterator[AttentionBatch]:
    """Yield attention batches, from the cache when a complete entry exists, else from the model
    (writing the cache as it goes and committing it only at the end). The segments at ``skip``
    are left out; ``batch.index`` is always the position in ``segments``. ``sliced``: a decoder's
    batches one layer at a time (``run_batch_sliced``), never cached. ``block``: batches stay
    within blocks of that many indices (``plan_batches``). ``norms``: batches carry
    ``value_norms`` too (a cache entry holds them when its key says so, ``attention_key``)."""
    if sliced:
        if cache is not None:
            raise ValueError("sliced extraction is never cached")
        plan = plan_batches(segments, batch_size, skip, block)
        for indices in track(plan, len(plan), description):
            yield from run_batch_sliced(lm, segments, indices, timings, norms=norms)
        return
    if cache is not None and cache.complete:
        yield from track(cache.read(), cache.num_batches(), f"{description} (cached)")
        return
    plan = plan_batches(segments, batch_size, skip, block)
    writer = cache.writer() if cache is not None else None
    try:
        for indices in track(plan, len(plan), description):
            batch = run_batch(lm, segments, indices, timings, norms=norms)
            if writer is not None:
                writer.add(batch)
            yield batch
        if writer is not None:
            writer.commit()
            writer = None
    finally:
        if writer is not None:
            writer.abort()
