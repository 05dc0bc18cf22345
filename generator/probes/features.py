"""What a probe sees of one sentence: attention features between words, word vectors, gold heads.

Candidates of word i are ROOT (index 0) and every word j (index j + 1). For each of the K = L*H
word-level maps and its transpose (2K features, maps first): ``words[i, j, k]`` is map k's weight
from word i to word j (k < K, "dependent -> head") or from word j to word i (k >= K, "head ->
dependent"). The ROOT candidate has, per feature, the weight to [CLS] and to [SEP] (for the
transposed maps: from [CLS] and from [SEP]); the probes mix those two with learned a and b.
A decoder has neither: its BOS token (where the attention sink sits) takes [CLS]'s channel and
the [SEP] channel stays zero (with ``--bos off`` both are zero: no ROOT evidence in attention).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from generator.model import roles as R
from generator.wordlevel import WordUnits

ROOT = 0


@dataclass
class ProbeSentence:
    words: torch.Tensor  # [W, W, 2K]
    root: torch.Tensor  # [W, 2K, 2]: (to or from [CLS] or BOS, to or from [SEP])
    embeddings: torch.Tensor  # [W, D]
    heads: torch.Tensor  # [W] long: gold head word, -1 for the root
    scored: torch.Tensor  # [W] bool: counts toward UAS (not punctuation)

    @property
    def size(self) -> int:
        return int(self.heads.shape[0])

    @property
    def targets(self) -> torch.Tensor:
        """Gold candidate index of each word (0 = ROOT, j + 1 = word j)."""
        return self.heads + 1


def attention_features(
    word_maps: torch.Tensor, units: WordUnits, unit_roles: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(words [W, W, 2K], root [W, 2K, 2])`` from word-level maps ``[L, H, U, U]``."""
    layers, heads, u, _ = word_maps.shape
    maps = word_maps.reshape(layers * heads, u, u).float()
    wp = torch.tensor(units.word_positions(), dtype=torch.long)
    a = maps[:, wp][:, :, wp]  # [K, W, W]
    words = torch.cat([a, a.transpose(1, 2)], 0).permute(1, 2, 0).contiguous()
    cls = ((unit_roles == R.CLS) | (unit_roles == R.BOS)).float()
    sep = (unit_roles == R.SEP).float()
    rows, cols = maps[:, wp, :], maps[:, :, wp]  # [K, W, U], [K, U, W]
    to_cls, to_sep = rows @ cls, rows @ sep  # [K, W]
    from_cls = (cols * cls[None, :, None]).sum(1)
    from_sep = (cols * sep[None, :, None]).sum(1)
    root = torch.stack([torch.cat([to_cls, from_cls]), torch.cat([to_sep, from_sep])], -1)
    return words, root.permute(1, 0, 2).contiguous()


def word_vectors(
    input_ids: torch.Tensor, word_ids: torch.Tensor, table: torch.Tensor, num_words: int
) -> torch.Tensor:
    """Each word's vector: the mean of its wordpieces' rows of ``table`` (the model's input
    embeddings), ``[num_words, D]``."""
    keep = word_ids >= 0
    ids, owners = input_ids[keep], word_ids[keep]
    sums = torch.zeros(num_words, table.shape[1], dtype=table.dtype)
    sums.index_add_(0, owners, table[ids])
    counts = torch.bincount(owners, minlength=num_words).clamp(min=1).to(table.dtype)
    return sums / counts[:, None]
