import torch

from generator.analyses.syntax_examples import PER_RELATION, PooledMap, pick_example, prune_pool
from tests.unit.analyses.syntax_cases import sentence

# "the old dog saw a cat": det amod nsubj root det obj
FORMS = ["the", "old", "dog", "saw", "a", "cat"]
HEADS = [2, 2, 3, -1, 5, 3]
RELS = ["det", "amod", "nsubj", "root", "det", "obj"]


def one_hot_map(targets):
    """A one-head, one-layer map where word i attends fully to targets[i]."""
    m = torch.zeros((1, 1, len(targets), len(targets)))
    for i, t in enumerate(targets):
        m[0, 0, i, t] = 1.0
    return m.half()


def test_pool_keeps_lowest_indices_per_relation_in_any_order():
    sentences = [sentence(FORMS, HEADS, RELS) for _ in range(6)]
    items = [PooledMap(i, one_hot_map(HEADS[:3] + [0] + HEADS[4:])) for i in range(6)]
    forward = prune_pool(items, sentences)
    backward = prune_pool(list(reversed(items)), sentences)
    assert [p.index for p in forward] == list(range(PER_RELATION))
    assert [p.index for p in backward] == list(range(PER_RELATION))
    # a later sentence with a new relation is kept too
    odd = sentence(FORMS, HEADS, RELS[:5] + ["iobj"])
    sentences.append(odd)
    more = prune_pool(items + [PooledMap(6, items[0].maps)], sentences)
    assert [p.index for p in more] == [0, 1, 2, 6]


def test_pick_example_prefers_the_sentence_the_head_gets_right():
    sentences = [sentence(FORMS, HEADS, RELS), sentence(FORMS, HEADS, RELS)]
    wrong = one_hot_map([1, 0, 1, 2, 3, 4])  # previous word: misses both det
    right = one_hot_map([2, 2, 3, 2, 5, 3])  # gold heads (the root points anywhere)
    pool = [PooledMap(0, wrong), PooledMap(1, right)]
    ex = pick_example(pool, sentences, 0, 0, "dep2head", "det")
    assert ex["sentence"] == 1 and ex["correct"] == [0, 4]
    assert ex["words"] == FORMS and ex["heads"] == HEADS and ex["deprels"] == RELS
    assert ex["attention"][0] == [0.0, 0.0, 1.0, 0.0, 0.0, 0.0]
    # head2dep reads the map transposed: "a" (4) is attended to by nobody -> argmax picks 0
    ex2 = pick_example(pool, sentences, 0, 0, "head2dep", "amod")
    assert ex2["direction"] == "head2dep"
    assert pick_example(pool, sentences, 0, 0, "dep2head", "nmod") is None
