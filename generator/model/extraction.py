"""Streaming extraction: run the model over segments in length-sorted batches.

Batches are sorted by length to cut padding; each batch carries the corpus position of its
segments, so order-dependent consumers can restore corpus order. Only one batch of attention is in
memory at a time.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

import torch

from generator.encoding.segment import Segment
from generator.errors import HeadAtlasError
from generator.model.batch import AttentionBatch
from generator.model.cache import AttentionCache
from generator.model.loading import LoadedModel
from generator.progress import track
from generator.timings import Timings


def plan_batches(segments: Sequence[Segment], batch_size: int,
                 skip: Collection[int] = ()) -> list[list[int]]:
    """Indices of segments grouped into batches, longest first (stable for equal lengths);
    the indices in ``skip`` are left out (their attention comes from elsewhere)."""
    skipped = set(skip)
    order = sorted((i for i in range(len(segments)) if i not in skipped),
                   key=lambda i: (-len(segments[i]), i))
    return [order[k : k + batch_size] for k in range(0, len(order), batch_size)]


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


def run_batch(
    lm: LoadedModel, segments: Sequence[Segment], indices: list[int], timings: Timings | None = None
) -> AttentionBatch:
    """One forward pass with attentions; padding rows and columns are zeroed. The batch stays on
    the model's device (``batch.to("cpu")`` for host work)."""
    chosen = [segments[i] for i in indices]
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
    timings = timings or Timings()
    with timings.stage("model forward"), torch.inference_mode():
        attentions = forward_attentions(lm, inputs)
    att = torch.stack(attentions, dim=1).float()  # [B, L, H, N, N]
    zero_padding(att, [len(s) for s in chosen])
    batch = AttentionBatch(
        attentions=att,
        input_ids=input_ids,
        roles=roles,
        word_ids=word_ids,
        lengths=mask.sum(1),
        index=torch.tensor(indices, dtype=torch.long),
    )
    return batch.to(att.device)


def extract(
    lm: LoadedModel,
    segments: Sequence[Segment],
    *,
    batch_size: int,
    cache: AttentionCache | None = None,
    description: str = "Extracting attention",
    timings: Timings | None = None,
    skip: Collection[int] = (),
) -> Iterator[AttentionBatch]:
    """Yield attention batches, from the cache when a complete entry exists, else from the model
    (writing the cache as it goes and committing it only at the end). The segments at ``skip``
    are left out; ``batch.index`` is always the position in ``segments``."""
    if cache is not None and cache.complete:
        yield from track(cache.read(), cache.num_batches(), f"{description} (cached)")
        return
    plan = plan_batches(segments, batch_size, skip)
    writer = cache.writer() if cache is not None else None
    try:
        for indices in track(plan, len(plan), description):
            batch = run_batch(lm, segments, indices, timings)
            if writer is not None:
                writer.add(batch)
            yield batch
        if writer is not None:
            writer.commit()
            writer = None
    finally:
        if writer is not None:
            writer.abort()
