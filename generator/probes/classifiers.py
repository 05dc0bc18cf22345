"""The probes of Table 3: they score each word's candidate heads (ROOT, then every word).

- ``AttnProbe``: one learned weight per attention map (and per transposed map).
- ``AttnEmbeddingProbe``: those weights come from a dense layer over the two words' vectors
  (initialised to zero, so it starts as the Attn probe does).
- ``DistanceEmbeddingProbe``: a baseline without attention, an MLP over the offset j - i
  (one-hot, clipped at +-MAX_OFFSET, ROOT its own value) and the two words' vectors.
- ``right_branching``: each word's head is the next word, the last word is the root.

The ROOT candidate uses a learned vector in place of a word vector.
"""

from __future__ import annotations

import torch
from torch import nn

from generator.probes.features import ROOT, ProbeSentence

MAX_OFFSET = 10
HIDDEN = 64


class AttnProbe(nn.Module):
    def __init__(self, features: int) -> None:
        super().__init__()
        self.weights = nn.Parameter(torch.zeros(features))
        self.root_mix = nn.Parameter(torch.ones(2))  # a ([CLS]) and b ([SEP])

    def forward(self, s: ProbeSentence) -> torch.Tensor:
        words = s.words @ self.weights  # [W, W]
        root = (s.root @ self.root_mix) @ self.weights  # [W]
        return torch.cat([root[:, None], words], 1)


class AttnEmbeddingProbe(nn.Module):
    def __init__(self, features: int, dim: int) -> None:
        super().__init__()
        # A dense layer over [v_i ; v_j], split into its two halves so pairs cost W*W*K only.
        self.dependent = nn.Linear(dim, features)
        self.candidate = nn.Linear(dim, features, bias=False)
        self.root_vector = nn.Parameter(torch.zeros(dim))
        self.root_mix = nn.Parameter(torch.ones(2))
        # Start exactly where AttnProbe starts (all weights 0); a linear layer has no hidden
        # units whose symmetry random initialisation would have to break.
        for p in (self.dependent.weight, self.dependent.bias, self.candidate.weight):
            nn.init.zeros_(p)

    def forward(self, s: ProbeSentence) -> torch.Tensor:
        dep = self.dependent(s.embeddings)  # [W, F]
        cand = self.candidate(s.embeddings)  # [W, F]
        words = ((dep[:, None, :] + cand[None, :, :]) * s.words).sum(-1)
        root_weights = dep + self.candidate(self.root_vector)[None, :]
        root = (root_weights * (s.root @ self.root_mix)).sum(-1)
        return torch.cat([root[:, None], words], 1)


class DistanceEmbeddingProbe(nn.Module):
    def __init__(self, dim: int, hidden: int = HIDDEN, max_offset: int = MAX_OFFSET) -> None:
        super().__init__()
        self.max_offset = max_offset
        self.dependent = nn.Linear(dim, hidden)
        self.candidate = nn.Linear(dim, hidden, bias=False)
        self.offset = nn.Embedding(2 * max_offset + 2, hidden)  # last row: ROOT
        self.root_vector = nn.Parameter(torch.zeros(dim))
        self.out = nn.Linear(hidden, 1)

    def forward(self, s: ProbeSentence) -> torch.Tensor:
        n = s.size
        pos = torch.arange(n)
        offsets = (pos[None, :] - pos[:, None]).clamp(-self.max_offset, self.max_offset)
        dep = self.dependent(s.embeddings)
        cand = self.candidate(s.embeddings)
        words = dep[:, None, :] + cand[None, :, :] + self.offset(offsets + self.max_offset)
        root_index = torch.tensor(2 * self.max_offset + 1)
        root = dep + self.candidate(self.root_vector) + self.offset(root_index)
        hidden = torch.cat([root[:, None, :], words], 1)  # [W, W + 1, hidden]
        return self.out(torch.relu(hidden)).squeeze(-1)


def right_branching(num_words: int) -> torch.Tensor:
    """Candidate index of each word's head: the next word; the last word's head is ROOT."""
    pred = torch.arange(num_words) + 2  # word i + 1 is candidate i + 2
    if num_words:
        pred[-1] = ROOT
    return pred


def mask_self(scores: torch.Tensor) -> torch.Tensor:
    """A word is never its own head: candidate i + 1 of word i gets -inf."""
    n = scores.shape[0]
    idx = torch.arange(n)
    return scores.index_put((idx, idx + 1), torch.tensor(float("-inf")))
