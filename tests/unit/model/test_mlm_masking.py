"""BERT's masking rule for the masked-LM gradient objective (SPEC 4)."""

import torch

from generator.model.gradients import mlm_corrupt, segment_generator

MASK = 4
RANDOM_IDS = torch.arange(1000, 6000)  # disjoint from the ids below, so a replacement shows


def corrupt(ids, eligible, seed=0, index=0):
    return mlm_corrupt(ids, eligible, mask_id=MASK, random_ids=RANDOM_IDS,
                       generator=segment_generator(seed, index))


def test_specials_never_chosen_and_never_changed():
    ids = [2] + list(range(100, 140)) + [3] + list(range(200, 220)) + [3]
    eligible = [t not in (2, 3) for t in ids]
    for seed in range(50):
        new, chosen = corrupt(ids, eligible, seed=seed)
        assert all(eligible[p] for p in chosen)
        for p, (old, now) in enumerate(zip(ids, new, strict=True)):
            if not eligible[p]:
                assert now == old
            if p not in chosen:
                assert now == old


def test_count_is_fifteen_percent_rounded_at_least_one():
    for n, expected in ((1, 1), (3, 1), (10, 2), (20, 3), (60, 9), (126, 19)):
        ids = list(range(100, 100 + n))
        _, chosen = corrupt(ids, [True] * n)
        assert len(chosen) == expected
        assert chosen == sorted(set(chosen))
    assert corrupt([2, 3], [False, False]) == ([2, 3], [])


def test_eighty_ten_ten():
    n = 2000
    ids = list(range(100, 100 + n))
    counts = {"mask": 0, "random": 0, "keep": 0}
    for seed in range(20):
        new, chosen = corrupt(ids, [True] * n, seed=seed)
        for p in chosen:
            if new[p] == MASK:
                counts["mask"] += 1
            elif new[p] == ids[p]:
                counts["keep"] += 1
            else:
                assert int(new[p]) in set(RANDOM_IDS.tolist())
                counts["random"] += 1
    total = sum(counts.values())
    assert total == 20 * 300
    # binomial standard error at 6000 draws is about 0.005 (0.004 for 10%)
    assert abs(counts["mask"] / total - 0.8) < 0.025
    assert abs(counts["random"] / total - 0.1) < 0.02
    assert abs(counts["keep"] / total - 0.1) < 0.02


def test_seeded_per_segment():
    ids = list(range(100, 180))
    eligible = [True] * len(ids)
    assert corrupt(ids, eligible, seed=1, index=5) == corrupt(ids, eligible, seed=1, index=5)
    assert corrupt(ids, eligible, seed=1, index=5) != corrupt(ids, eligible, seed=2, index=5)
    assert corrupt(ids, eligible, seed=1, index=5) != corrupt(ids, eligible, seed=1, index=6)
