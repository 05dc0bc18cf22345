"""The probes on synthetic sentences: planted rules are learned, baselines are exact (SPEC 8)."""

import random

import torch

from generator.probes.classifiers import mask_self, right_branching
from generator.probes.features import ProbeSentence, attention_features
from generator.probes.trainer import UAS, ProbeTrainer
from generator.wordlevel import word_units

LAYERS, HEADS, DIM = 2, 3, 8
PLANTED = (1, 2)  # layer, head whose map points at each word's gold head


def random_tree(n: int, rng: random.Random) -> list[int]:
    """A random tree over n words: word order is random, each word attaches to an earlier one."""
    order = list(range(n))
    rng.shuffle(order)
    heads = [-1] * n
    for k in range(1, n):
        heads[order[k]] = order[rng.randrange(k)]
    return heads


def synthetic_sentence(heads: list[int], rng: random.Random, *, planted: bool = True,
                       vocab: torch.Tensor | None = None) -> ProbeSentence:
    """Word-level maps over [CLS] words [SEP]: random rows, except the planted head, whose row
    for word i puts all its weight on i's gold head ([CLS] for the root)."""
    n = len(heads)
    units, _ = word_units([-1, *range(n), -1])
    gen = torch.Generator().manual_seed(rng.randrange(1 << 30))
    maps = torch.rand(LAYERS, HEADS, n + 2, n + 2, generator=gen)
    maps = maps / maps.sum(-1, keepdim=True)
    if planted:
        row = torch.zeros(n, n + 2)
        for i, h in enumerate(heads):
            row[i, 0 if h < 0 else h + 1] = 1.0
        maps[PLANTED[0], PLANTED[1], 1 : n + 1] = row
    roles = torch.tensor([2] + [1] * n + [3])
    words, root = attention_features(maps, units, roles)
    emb = torch.randn(n, DIM, generator=gen) if vocab is None else vocab
    return ProbeSentence(words, root, emb, torch.tensor(heads), torch.ones(n, dtype=torch.bool))


def train_and_score(trainer, train, test):
    for s in train:
        trainer.train_step(s)
    uas = UAS()
    for s in test:
        uas.add(s, trainer.predict(s))
    return uas.scores()


def test_planted_head_is_learned():
    rng = random.Random(0)
    data = [synthetic_sentence(random_tree(rng.randint(3, 15), rng), rng) for _ in range(400)]
    trainer = ProbeTrainer(2 * LAYERS * HEADS, DIM, seed=0, probes=("attn", "attn_embeddings"))
    scores = train_and_score(trainer, data[:300], data[300:])
    assert scores["attn"] > 0.97
    assert scores["attn_embeddings"] > 0.95
    weights = trainer.models["attn"].weights.detach()
    planted = PLANTED[0] * HEADS + PLANTED[1]
    assert int(weights.argmax()) == planted
    # without the planted head nothing beats chance by much
    noise = [synthetic_sentence(random_tree(rng.randint(3, 15), rng), rng, planted=False)
             for _ in range(100)]
    assert train_and_score(trainer, [], noise)["attn"] < 0.3


def test_distance_probe_learns_an_offset_rule():
    # Left-branching chains: every word's head is the previous word, the first is the root.
    rng = random.Random(1)
    data = []
    for _ in range(300):
        n = rng.randint(3, 12)
        data.append(synthetic_sentence([i - 1 for i in range(n)], rng, planted=False))
    trainer = ProbeTrainer(2 * LAYERS * HEADS, DIM, seed=0, probes=("distances_embeddings",))
    scores = train_and_score(trainer, data[:200], data[200:])
    assert scores["distances_embeddings"] > 0.97
    assert scores["right_branching"] == 0.0


def test_right_branching_on_a_hand_made_tree():
    # "The dog barked ." : The -> dog, dog -> barked, barked = root, . -> barked (punct)
    heads = [1, 2, -1, 2]
    assert right_branching(4).tolist() == [2, 3, 4, 0]  # candidates: 0 = ROOT, j + 1 = word j
    s = ProbeSentence(torch.zeros(4, 4, 2), torch.zeros(4, 2, 2), torch.zeros(4, 1),
                      torch.tensor(heads), torch.tensor([True, True, True, False]))
    uas = UAS()
    uas.add(s, {"right_branching": right_branching(4)})
    assert uas.correct == {"right_branching": 2} and uas.scored == 3
    assert right_branching(1).tolist() == [0]


def test_a_word_is_never_its_own_head():
    scores = torch.zeros(3, 4)
    scores[:, 1:] = torch.eye(3) * 100  # every word prefers itself
    masked = mask_self(scores)
    assert masked[0, 1] == float("-inf") and masked[2, 3] == float("-inf")
    assert all(int(masked[i].argmax()) != i + 1 for i in range(3))


def test_training_is_seeded():
    rng = random.Random(2)
    data = [synthetic_sentence(random_tree(rng.randint(3, 9), rng), rng) for _ in range(30)]
    runs = []
    for _ in range(2):
        trainer = ProbeTrainer(2 * LAYERS * HEADS, DIM, seed=7)
        for s in data:
            trainer.train_step(s)
        runs.append({n: [p.detach().clone() for p in m.parameters()]
                     for n, m in trainer.models.items()})
    for name in runs[0]:
        assert all(torch.equal(a, b) for a, b in zip(runs[0][name], runs[1][name], strict=True))
    other = ProbeTrainer(2 * LAYERS * HEADS, DIM, seed=8)
    first = other.models["distances_embeddings"].dependent.weight
    assert not torch.equal(first, ProbeTrainer(2 * LAYERS * HEADS, DIM, seed=7)
                           .models["distances_embeddings"].dependent.weight)
