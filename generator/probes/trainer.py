"""Training and scoring the probes: Adam (lr 0.002), one sentence per step, one epoch, seeded.

Each probe gives a softmax over the candidates (ROOT + every other word) of each word, trained
with cross-entropy on every word; UAS counts the words whose argmax candidate is the gold head,
punctuation (UPOS PUNCT) excluded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from generator.probes.classifiers import (
    AttnEmbeddingProbe,
    AttnProbe,
    DistanceEmbeddingProbe,
    mask_self,
    right_branching,
)
from generator.probes.features import ProbeSentence
from generator.threads import one_thread

LEARNING_RATE = 0.002
TRAINED = ("attn", "attn_embeddings", "distances_embeddings")
BASELINES = ("right_branching",)


@dataclass
class UAS:
    """Correct and scored word counts per probe."""

    correct: dict[str, int] = field(default_factory=dict)
    scored: int = 0

    def add(self, s: ProbeSentence, predictions: dict[str, torch.Tensor]) -> None:
        gold = s.targets[s.scored]
        self.scored += int(s.scored.sum())
        for name, pred in predictions.items():
            hits = int((pred[s.scored] == gold).sum())
            self.correct[name] = self.correct.get(name, 0) + hits

    def scores(self) -> dict[str, float]:
        return {name: c / self.scored if self.scored else 0.0 for name, c in self.correct.items()}


class ProbeTrainer:
    """The three trained probes, each with its own Adam optimizer, initialised from ``seed``."""

    def __init__(self, features: int, dim: int, *, seed: int, lr: float = LEARNING_RATE,
                 probes: tuple[str, ...] = TRAINED) -> None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            made: dict[str, nn.Module] = {
                "attn": AttnProbe(features),
                "attn_embeddings": AttnEmbeddingProbe(features, dim),
                "distances_embeddings": DistanceEmbeddingProbe(dim),
            }
        self.models = {name: made[name] for name in probes}
        self.optimizers = {name: torch.optim.Adam(m.parameters(), lr=lr)
                           for name, m in self.models.items()}
        self.steps = 0

    def train_step(self, s: ProbeSentence) -> dict[str, float]:
        """One Adam step per probe on one sentence; returns each probe's loss."""
        targets = s.targets
        with one_thread():
            losses = {}
            for name, model in self.models.items():
                model.train()
                self.optimizers[name].zero_grad()
                losses[name] = nn.functional.cross_entropy(mask_self(model(s)), targets)
            torch.stack(list(losses.values())).sum().backward()  # parameters are disjoint
            for opt in self.optimizers.values():
                opt.step()
        self.steps += 1
        return {name: loss.item() for name, loss in losses.items()}

    @torch.no_grad()
    def predict(self, s: ProbeSentence) -> dict[str, torch.Tensor]:
        """Each probe's predicted candidate per word, and the right-branching baseline's."""
        out = {}
        with one_thread():
            for name, model in self.models.items():
                model.eval()
                out[name] = mask_self(model(s)).argmax(-1)
        out["right_branching"] = right_branching(s.size)
        return out
