"""The unit that flows from extraction to the analyses: a padded batch of attention maps."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from generator.model import roles as R


@dataclass
class AttentionBatch:
    """Attention maps of B segments, padded to N tokens.

    ``attentions[b, l, h, i, j]`` is the post-softmax weight from token i to token j. Rows and
    columns of padding are exactly zero, so sums over a map never see padding. Fresh from the
    model the tensors are on the model's device; analyses that run on the host get a copy
    (``to``).
    """

    attentions: torch.Tensor  # [B, L, H, N, N] float32
    input_ids: torch.Tensor  # [B, N] int64 (pad positions hold 0)
    roles: torch.Tensor  # [B, N] int8, generator.model.roles constants (PAD for padding)
    word_ids: torch.Tensor  # [B, N] int64, -1 for specials, padding and unknown words
    lengths: torch.Tensor  # [B] int64
    index: torch.Tensor  # [B] int64: position of each segment in the corpus
    layers: torch.Tensor | None = None
    """[L'] int64: the model layers the layer axis of ``attentions`` holds, when a batch carries
    only some of them (per-layer extraction of large decoders folds each layer into the
    analyses as it is produced); None: every layer, 0..L-1. See ``layer_ids``."""
    value_norms: torch.Tensor | None = None
    """[B, L, H, N] float32: ``||f(x_j)||`` of each head and token j (``generator.model.
    value_norms``; padding zero), the layer axis as ``attentions``'s; None when extraction was
    not asked for them (``--no-norms``, or a stream without the norm-based analysis)."""

    @property
    def size(self) -> int:
        return int(self.lengths.shape[0])

    @property
    def valid(self) -> torch.Tensor:
        return self.roles != R.PAD

    @property
    def is_cls(self) -> torch.Tensor:
        return self.roles == R.CLS

    @property
    def is_sep(self) -> torch.Tensor:
        return self.roles == R.SEP

    @property
    def is_bos(self) -> torch.Tensor:
        """A decoder's segment-start token (never set for an encoder)."""
        return self.roles == R.BOS

    @property
    def is_punct(self) -> torch.Tensor:
        return self.roles == R.PUNCT

    def layer_ids(self) -> list[int]:
        """The model layer of each index of the layer axis (0..L-1 for a whole batch)."""
        if self.layers is None:
            return list(range(int(self.attentions.shape[1])))
        return [int(v) for v in self.layers.tolist()]

    @property
    def whole(self) -> bool:
        """True when the batch holds every layer (no ``layers`` given)."""
        return self.layers is None

    def to(self, device: torch.device | str) -> AttentionBatch:
        """The same batch with every tensor on ``device`` (itself when all are there already)."""
        device = torch.device(device)
        tensors = self.tensors()
        if all(t.device == device for t in tensors.values()):
            return self
        return type(self)(**{k: v.to(device) for k, v in tensors.items()})

    def tensors(self) -> dict[str, torch.Tensor]:
        """Every tensor by field name (optional fields only when set)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__
                if getattr(self, name) is not None}

    @classmethod
    def from_tensors(cls, tensors: dict[str, torch.Tensor]) -> AttentionBatch:
        return cls(**{name: tensors[name] for name in cls.__dataclass_fields__
                      if name in tensors})
