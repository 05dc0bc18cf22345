"""Gradients of a loss with respect to every attention weight (SPEC section 4; paper Figure 3).

The model runs forward with autograd on and its eager attention probabilities are differentiated
directly: in transformers' eager attention the returned weights are the very tensors multiplied
with the values (dropout is the identity in eval mode), so ``dL/dA`` is the partial derivative
with respect to the post-softmax weight. If a model ever returned a copy instead, autograd would
refuse ("not used in the graph") rather than give silent zeros.

Objectives:
- ``masked_lm`` when the checkpoint has a masked-LM head: 15% of the wordpieces (never specials)
  are chosen, 80% of those become the mask token, 10% a random ordinary token, 10% stay; the loss
  is the mean cross-entropy over the chosen positions of a segment. Seeded per segment.
- ``representation`` otherwise (sentence encoders): ``L = sum_t <r_t, h_t>`` over the last hidden
  states of the segment's tokens, with one fixed seeded standard Gaussian ``r`` per position.
- ``next_token`` for a decoder (SPEC section 11): the model's own next-token loss over all
  positions, the mean cross-entropy of predicting token t + 1 from tokens 0..t (t = 0..n-2), from
  the whole causal LM (``LoadedModel.lm_head_model``). Like the representation objective it runs
  the segment as it is, so its attention is the general stream's.

Batches are never cached: the gradients depend on the objective and its random draws.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from generator.encoding.segment import Segment
from generator.errors import HeadAtlasError
from generator.model.batch import AttentionBatch
from generator.model.extraction import plan_batches, stacked_norms
from generator.model.loading import LoadedModel
from generator.model.value_norms import capture_value_norms
from generator.progress import track
from generator.timings import Timings

MASKED_LM = "masked_lm"
REPRESENTATION = "representation"
NEXT_TOKEN = "next_token"
UNCHANGED_INPUT = frozenset({REPRESENTATION, NEXT_TOKEN})
"""Objectives that run the segments as they are: their attention is the general stream's, so the
gradient sample may lend its batches to it."""

BACKWARD_BATCH = 4
"""At most this many segments per backward pass: autograd keeps every layer's activations, about
0.1 GB per BERT-base segment of 128 tokens, and smaller batches cost no more per segment on a
CPU."""

MLM_RATE = 0.15
MLM_MASK_SHARE = 0.8
MLM_RANDOM_SHARE = 0.1

OBJECTIVE_TEXT = {
    MASKED_LM: "masked-LM loss: 15% of wordpieces (never special tokens) chosen, 80% masked, "
               "10% replaced by a random token, 10% kept; mean cross-entropy over the chosen "
               "pieces of a segment",
    REPRESENTATION: "representation objective L = sum_t <r_t, h_t> over the last hidden states, "
                    "r a fixed seeded standard Gaussian vector per position (the model has no "
                    "masked-LM head)",
    NEXT_TOKEN: "next-token objective: L = the model's own mean cross-entropy of predicting each "
                "token from the tokens before it, over all positions of a segment",
}


@dataclass
class GradientBatch(AttentionBatch):
    """An attention batch plus ``gradients[b, l, h, i, j] = dL_b/dA[b, l, h, i, j]`` (signed;
    padding rows and columns zero). ``L_b`` is segment b's own loss."""

    gradients: torch.Tensor | None = None  # [B, L, H, N, N] float32


def _widen(t: torch.Tensor) -> torch.Tensor:
    """Half precision to float32 for the loss; float32 and float64 stay as they are."""
    return t.float() if t.dtype in (torch.float16, torch.bfloat16) else t


def segment_generator(seed: int, index: int) -> torch.Generator:
    """A generator for one segment, so its random draws do not depend on batching or order."""
    return torch.Generator().manual_seed(seed * 1_000_003 + index)


def mlm_corrupt(
    input_ids: Sequence[int],
    eligible: Sequence[bool],
    *,
    mask_id: int,
    random_ids: torch.Tensor,
    generator: torch.Generator,
    rate: float = MLM_RATE,
) -> tuple[list[int], list[int]]:
    """BERT's masking: choose ``max(1, round(rate * n))`` of the n eligible positions, then mask
    80%, replace 10% by a token drawn from ``random_ids`` and keep 10% (in expectation).

    Returns the corrupted ids and the chosen positions (sorted); the targets are the original ids
    at those positions.
    """
    candidates = [t for t, ok in enumerate(eligible) if ok]
    if not candidates:
        return list(input_ids), []
    count = max(1, round(rate * len(candidates)))
    order = torch.randperm(len(candidates), generator=generator)[:count]
    chosen = sorted(candidates[int(k)] for k in order)
    corrupted = list(input_ids)
    draws = torch.rand(len(chosen), generator=generator)
    picks = torch.randint(len(random_ids), (len(chosen),), generator=generator)
    for pos, u, pick in zip(chosen, draws.tolist(), picks.tolist(), strict=True):
        if u < MLM_MASK_SHARE:
            corrupted[pos] = mask_id
        elif u < MLM_MASK_SHARE + MLM_RANDOM_SHARE:
            corrupted[pos] = int(random_ids[pick])
    return corrupted, chosen


def next_token_loss(logits: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor
                    ) -> torch.Tensor:
    """Per segment [B]: the mean cross-entropy of predicting token t + 1 from position t, over
    the positions t whose next token is real (t = 0..n-2 for a segment of n tokens; 0 for a
    one-token segment, which has none)."""
    logits = _widen(logits[:, :-1])  # [B, N-1, V]: position t predicts t + 1
    targets = input_ids[:, 1:]
    ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets,
                                           reduction="none")  # [B, N-1]
    real = attention_mask[:, 1:].to(ce.dtype)
    return (ce * real).sum(1) / real.sum(1).clamp(min=1)


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers' log below errors off while loading the masked-LM head: a checkpoint whose
    config names a masked-LM class without the head's weights (e.g. all-mpnet-base-v2) makes it
    print a "checkpoint seem corrupted" warning and a load-report table; headatlas falls back to
    the representation objective and says why itself (the objective's ``note``)."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)


def has_masked_lm_head(config: Any) -> bool:
    """Whether the checkpoint says it was saved with a masked-LM (or pre-training) head."""
    names = getattr(config, "architectures", None) or []
    return any(n.endswith(("ForMaskedLM", "ForPreTraining")) for n in names)


class GradientExtractor:
    """Yields ``GradientBatch`` es for segments: forward with grad, the objective, backward."""

    def __init__(self, lm: LoadedModel, *, seed: int, module: torch.nn.Module | None = None,
                 objective: str = REPRESENTATION) -> None:
        self.lm = lm
        self.seed = seed
        self.objective = objective
        self.module = module if module is not None else lm.model
        self.note = ""
        self.norms = False
        """Whether batches carry ``value_norms`` (set when they are lent to the general
        stream's norm-based analysis)."""
        if objective == MASKED_LM:
            mask_id = lm.tokenizer.mask_token_id
            if mask_id is None:
                raise HeadAtlasError(f"model '{lm.name}' has a masked-LM head but its tokenizer "
                                     "has no mask token", path="--model")
            self.mask_id = int(mask_id)
            special = set(lm.tokenizer.all_special_ids)
            vocab = int(self.module.get_output_embeddings().weight.shape[0])
            self.random_ids = torch.tensor([t for t in range(vocab) if t not in special])
        elif objective == NEXT_TOKEN:
            if lm.lm_head_model is None:
                raise ValueError("the next-token objective needs a causal LM (lm_head_model)")
            self.module = module if module is not None else lm.lm_head_model
        else:
            hidden = int(lm.model.config.hidden_size)
            gen = torch.Generator().manual_seed(seed)
            self.directions = torch.randn(lm.max_positions, hidden, generator=gen)

    @classmethod
    def for_model(cls, lm: LoadedModel, *, seed: int) -> GradientExtractor:
        """A decoder's next-token objective; for an encoder the masked-LM objective when the
        checkpoint has that head (checked against the weights: a head that would be randomly
        initialised does not count), else the representation objective."""
        if lm.kind == "decoder":
            return cls(lm, seed=seed, objective=NEXT_TOKEN)
        if not has_masked_lm_head(lm.model.config):
            return cls(lm, seed=seed)
        from transformers import AutoModelForMaskedLM

        with quiet_transformers():  # the missing head is reported as a note below
            module, info = AutoModelForMaskedLM.from_pretrained(
                lm.source, attn_implementation="eager", dtype=next(lm.model.parameters()).dtype,
                output_loading_info=True)
        if info.get("missing_keys"):
            extractor = cls(lm, seed=seed)
            extractor.note = "the masked-LM head's weights are missing from the checkpoint"
            return extractor
        module.eval()
        module.to(lm.device)
        return cls(lm, seed=seed, module=module, objective=MASKED_LM)

    def describe(self) -> dict[str, Any]:
        out = {"name": self.objective, "description": OBJECTIVE_TEXT[self.objective]}
        if self.note:
            out["note"] = self.note
        return out

    def _inputs(self, chosen: list[Segment], indices: list[int]) -> dict[str, torch.Tensor]:
        lm = self.lm
        b, n = len(chosen), max(len(s) for s in chosen)
        pad_id = lm.tokenizer.pad_token_id or 0
        ids = torch.full((b, n), pad_id, dtype=torch.long)
        types = torch.zeros((b, n), dtype=torch.long)
        mask = torch.zeros((b, n), dtype=torch.long)
        labels = torch.full((b, n), -100, dtype=torch.long)
        for r, (s, index) in enumerate(zip(chosen, indices, strict=True)):
            k = len(s)
            seq = list(s.input_ids)
            if self.objective == MASKED_LM:
                eligible = [t not in lm.roles.special_ids for t in seq]
                seq, picked = mlm_corrupt(s.input_ids, eligible, mask_id=self.mask_id,
                                          random_ids=self.random_ids,
                                          generator=segment_generator(self.seed, index))
                for pos in picked:
                    labels[r, pos] = s.input_ids[pos]
            ids[r, :k] = torch.tensor(seq)
            types[r, :k] = torch.tensor(s.token_type_ids)
            mask[r, :k] = 1
        inputs = {"input_ids": ids, "attention_mask": mask, "labels": labels}
        if lm.uses_token_types:
            inputs["token_type_ids"] = types
        return inputs

    def losses(self, inputs: dict[str, torch.Tensor]) -> tuple[torch.Tensor, tuple]:
        """Per-segment losses [B] and the attention tensors of the forward pass."""
        dev = self.lm.device
        model_inputs = {k: v.to(dev) for k, v in inputs.items() if k != "labels"}
        out = self.module(**model_inputs, output_attentions=True)
        attentions = out.attentions
        if not attentions:
            raise HeadAtlasError(f"model '{self.lm.name}' did not return attention weights",
                                 path="--model")
        mask = inputs["attention_mask"].to(dev).to(attentions[0].dtype)
        if self.objective == MASKED_LM:
            labels = inputs["labels"].to(dev)
            logits = _widen(out.logits)
            ce = torch.nn.functional.cross_entropy(
                logits.transpose(1, 2), labels, ignore_index=-100, reduction="none")  # [B, N]
            chosen = (labels != -100).to(ce.dtype)
            per_segment = (ce * chosen).sum(1) / chosen.sum(1).clamp(min=1)
        elif self.objective == NEXT_TOKEN:
            per_segment = next_token_loss(out.logits.to(dev), model_inputs["input_ids"],
                                          inputs["attention_mask"].to(dev))
        else:
            hidden = _widen(out.last_hidden_state)  # [B, N, D]
            r = self.directions[: hidden.shape[1]].to(dev, hidden.dtype)
            per_segment = ((hidden * r).sum(-1) * mask).sum(1)
        return per_segment, attentions

    def run_batch(self, segments: Sequence[Segment], indices: list[int],
                  timings: Timings | None = None) -> GradientBatch:
        chosen = [segments[i] for i in indices]
        inputs = self._inputs(chosen, indices)
        timings = timings or Timings()
        captured: dict[int, torch.Tensor] = {}
        def keep(layer: int, values: torch.Tensor) -> None:
            captured[layer] = values.to(self.lm.device)

        capture = (capture_value_norms(self.module, keep) if self.norms
                   else contextlib.nullcontext())
        with timings.stage("gradients forward+backward"), torch.enable_grad():
            with capture:
                per_segment, attentions = self.losses(inputs)
            grads = torch.autograd.grad(per_segment.sum(), attentions)
        # [B, L, H, N, N] on the inputs' device (--device auto: layers on several GPUs)
        dev = self.lm.device
        att = torch.stack([a.detach().to(dev) for a in attentions], dim=1).float()
        grad = torch.stack([g.to(dev) for g in grads], dim=1).float()
        valid = inputs["attention_mask"].bool()
        valid_there = valid.to(att.device)
        keep = valid_there[:, None, None, :, None] & valid_there[:, None, None, None, :]
        roles = torch.zeros(valid.shape, dtype=torch.int8)
        word_ids = torch.full(valid.shape, -1, dtype=torch.long)
        ids = torch.zeros(valid.shape, dtype=torch.long)  # the uncorrupted ids
        for r, s in enumerate(chosen):
            roles[r, : len(s)] = torch.tensor(self.lm.roles.roles(list(s.input_ids)),
                                              dtype=torch.int8)
            word_ids[r, : len(s)] = torch.tensor(s.word_ids)
            ids[r, : len(s)] = torch.tensor(s.input_ids)
        batch = GradientBatch(
            attentions=(att * keep).contiguous(), input_ids=ids, roles=roles, word_ids=word_ids,
            lengths=valid.sum(1), index=torch.tensor(indices, dtype=torch.long),
            gradients=(grad * keep).contiguous(),
            value_norms=stacked_norms(captured, att.shape[1], [len(s) for s in chosen])
            if self.norms else None)
        return batch.to(att.device)

    def __call__(self, segments: Sequence[Segment], *, batch_size: int, description: str,
                 timings: Timings | None = None, skip: Collection[int] = (), block: int = 0
                 ) -> Iterator[AttentionBatch]:
        plan = plan_batches(segments, min(batch_size, BACKWARD_BATCH), skip, block)
        for indices in track(plan, len(plan), description):
            yield self.run_batch(segments, indices, timings)
