"""Dependency syntax of a decoder (SPEC section 11): each dependent is scored in the one direction
its head's position allows, candidates are the visible words, offset baselines on the same
dependents, one undirected spanning tree per head; layer slices give whole-batch results."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from generator.analyses.syntax import (
    DependencySyntax,
    causal_coverage,
    mst_matches,
    predict_heads,
    word_maps,
)
from generator.analyses.syntax_examples import PooledMap, pick_example, predictions
from generator.model.batch import AttentionBatch
from tests.syntax_reference import causal_reference, max_spanning_tree_prim, word_map_loops
from tests.unit.analyses.causal import layer_slices
from tests.unit.analyses.syntax_cases import context, make_batch, sentence

# Sentence A: "the dog barks loudly"; the -det-> dog -nsubj-> barks <-advmod- loudly.
# Tokens [BOS] the dog bark ##s loud ##ly. Causal: row i has columns 0..i only.
DOG = sentence(["the", "dog", "barks", "loudly"], [1, 2, -1, 2],
               ["det", "nsubj", "root", "advmod"], "dog")
DOG_WORD_IDS = [-1, 0, 1, 2, 2, 3, 3]
DOG_HEAD0 = [
    [1, 0, 0, 0, 0, 0, 0],
    [.6, .4, 0, 0, 0, 0, 0],
    [.5, .3, .2, 0, 0, 0, 0],
    [.2, .1, .5, .2, 0, 0, 0],
    [.2, .3, .1, .2, .2, 0, 0],
    [.1, .1, .2, .3, .2, .1, 0],
    [.1, .1, .3, .1, .2, .1, .1],
]
# word map (rows: mean of pieces, columns: sum of pieces, [BOS] left out):
#   the    [.4,  0,   0,   0  ]
#   dog    [.3,  .2,  0,   0  ]
#   barks  [.2,  .3,  .3,  0  ]   rows bark (.1, .5, .2) and ##s (.3, .1, .4)
#   loudly [.1,  .25, .4,  .15]   rows loud (.1, .2, .5, .1) and ##ly (.1, .3, .3, .2)
DOG_HEAD1 = [
    [1, 0, 0, 0, 0, 0, 0],
    [.9, .1, 0, 0, 0, 0, 0],
    [.2, .8, 0, 0, 0, 0, 0],
    [.1, .1, .8, 0, 0, 0, 0],
    [.1, .1, .3, .5, 0, 0, 0],
    [.1, 0, .7, .1, .1, 0, 0],
    [.1, .2, .5, 0, .1, .1, 0],
]
#   the    [.1,  0,   0,   0  ]
#   dog    [.8,  0,   0,   0  ]
#   barks  [.1,  .55, .25, 0  ]
#   loudly [.1,  .6,  .15, .05]

# Sentence B: "she saw him"; she -nsubj-> saw <-obj- him. Tokens [BOS] she saw him.
SAW = sentence(["she", "saw", "him"], [1, -1, 1], ["nsubj", "root", "obj"], "saw")
SAW_WORD_IDS = [-1, 0, 1, 2]
SAW_HEAD0 = [[1, 0, 0, 0], [.7, .3, 0, 0], [.5, .4, .1, 0], [.3, .35, .25, .1]]
#   she [.3, 0, 0]   saw [.4, .1, 0]   him [.35, .25, .1]
SAW_HEAD1 = [[1, 0, 0, 0], [.9, .1, 0, 0], [.2, .8, 0, 0], [.1, .3, .6, 0]]
#   she [.1, 0, 0]   saw [.8, 0, 0]   him [.3, .6, 0]


def decoder(sentences, **settings):
    return replace(context(sentences, **settings), kind="decoder")


def both_batch() -> AttentionBatch:
    return make_batch([[DOG_HEAD0, DOG_HEAD1], [SAW_HEAD0, SAW_HEAD1]],
                      [DOG_WORD_IDS, SAW_WORD_IDS], [0, 1])


def result_of(batches, sentences, **settings):
    acc = DependencySyntax(decoder(sentences, **settings))
    for batch in batches:
        acc.update(batch)
    return acc.result()


def test_word_maps_of_causal_token_maps():
    maps = word_maps(torch.tensor([DOG_HEAD0, DOG_HEAD1]), DOG_WORD_IDS)
    assert torch.allclose(maps[0], torch.tensor([[.4, 0, 0, 0], [.3, .2, 0, 0],
                                                 [.2, .3, .3, 0], [.1, .25, .4, .15]]))
    assert torch.allclose(maps[1], torch.tensor([[.1, 0, 0, 0], [.8, 0, 0, 0],
                                                 [.1, .55, .25, 0], [.1, .6, .15, .05]]))


def test_causal_predictions_by_hand():
    maps = word_maps(torch.tensor([DOG_HEAD0, DOG_HEAD1]), DOG_WORD_IDS)
    pred = predict_heads(maps, causal=True)  # [2 directions, 2 heads, 4 words]
    # dep2head: row i over the earlier words; the first word has none (-1)
    assert pred[0, 0].tolist() == [-1, 0, 1, 2]  # head 0: barks .3 > .2; loudly .4 > .25 > .1
    assert pred[0, 1].tolist() == [-1, 0, 1, 1]  # head 1: loudly .6 to dog
    # head2dep: column i over the later words; the last word has none (-1)
    assert pred[1, 0].tolist() == [1, 2, 3, -1]  # the: dog .3 > barks .2 > loudly .1
    assert pred[1, 1].tolist() == [1, 3, 3, -1]  # dog: loudly .6 > barks .55
    # without the causal rule the first word's dep2head would be an unseen later word
    assert predict_heads(maps)[0, 0, 0] == 1
    for d, direction in enumerate(("dep2head", "head2dep")):
        for h in range(2):
            assert predictions(maps[h], direction, causal=True).tolist() == pred[d, h].tolist()


def test_coverage_by_position_of_the_head():
    cover = causal_coverage(DOG.heads)  # the->dog, dog->barks, root, loudly->barks
    assert cover.tolist() == [[False, False, False, True], [True, True, False, False]]


def test_accuracies_and_coverage_by_hand():
    res = result_of([both_batch()], [DOG, SAW], min_relation_count=1)
    rel = res["relations"]
    assert set(rel) == {"det", "nsubj", "advmod", "obj", "all"}
    # the, dog, she precede their heads (head2dep); loudly, him follow theirs (dep2head)
    assert rel["all"]["count"] == 5
    assert rel["all"]["coverage"] == {"dep2head": 2, "head2dep": 3}
    assert rel["det"]["coverage"] == {"dep2head": 0, "head2dep": 1}
    assert rel["nsubj"]["coverage"] == {"dep2head": 0, "head2dep": 2}
    assert rel["advmod"]["coverage"] == {"dep2head": 1, "head2dep": 0}
    assert rel["obj"]["coverage"] == {"dep2head": 1, "head2dep": 0}
    # [layer][head]; a direction that covers nothing has no accuracy
    assert rel["det"]["accuracy"] == {"dep2head": None, "head2dep": [[1.0, 1.0]]}
    # nsubj: head 0 gets dog (barks .3) and she (saw .4 > him .35); head 1 misses dog
    assert rel["nsubj"]["accuracy"] == {"dep2head": None, "head2dep": [[1.0, 0.5]]}
    # advmod: loudly -> barks (head 0), -> dog (head 1)
    assert rel["advmod"]["accuracy"] == {"dep2head": [[1.0, 0.0]], "head2dep": None}
    # obj: him -> she .35 > saw .25 (head 0), -> saw .6 (head 1)
    assert rel["obj"]["accuracy"] == {"dep2head": [[0.0, 1.0]], "head2dep": None}
    assert rel["all"]["accuracy"] == {"dep2head": [[0.5, 0.5]],
                                      "head2dep": [[1.0, round(2 / 3, 6)]]}
    assert rel["all"]["best"] == {"layer": 0, "head": 0, "direction": "head2dep",
                                  "accuracy": 1.0, "ci": [1.0, 1.0]}
    assert rel["obj"]["best"]["head"] == 1 and rel["obj"]["best"]["direction"] == "dep2head"
    assert rel["det"]["best"]["head"] == 0  # tie: lower head
    assert rel["nsubj"]["best_by_direction"] == {
        "dep2head": None, "head2dep": {"layer": 0, "head": 0, "accuracy": 1.0}}
    assert rel["all"]["best_by_direction"]["dep2head"] == {"layer": 0, "head": 0,
                                                           "accuracy": 0.5}
    # baselines on the same dependents: every head here is its dependent's neighbour
    d2h = rel["all"]["baseline_by_direction"]["dep2head"]
    assert d2h["offset"] == -1 and d2h["accuracy"] == 1.0
    assert d2h["by_offset"] == {"-3": 0.0, "-2": 0.0, "-1": 1.0}
    h2d = rel["all"]["baseline_by_direction"]["head2dep"]
    assert h2d["by_offset"] == {"1": 1.0, "2": 0.0, "3": 0.0}
    assert rel["all"]["baseline"] == h2d  # the best head's direction
    assert rel["advmod"]["baseline"]["offset"] == -1
    assert rel["advmod"]["baseline_by_direction"]["head2dep"] is None
    assert res["words_scored"] == 5 and res["sentences"] == 2
    assert res["method"]["offsets"] == {"dep2head": [-3, -2, -1], "head2dep": [1, 2, 3]}
    assert res["method"]["attention"].startswith("causal")


def test_best_is_chosen_from_directions_that_cover_enough():
    acc = DependencySyntax(decoder([DOG, SAW], min_relation_count=3))
    acc.update(both_batch())
    all_id = acc.relation_id["all"]
    # "all": dep2head covers 2 < 3, head2dep 3: only head2dep may give the best head
    assert acc._eligible_directions(all_id) == [1]
    # a relation split 2 / 1, both under 3: the direction covering more
    acc.coverage[0] = torch.tensor([2, 1])
    assert acc._eligible_directions(0) == [0]
    # by hand: dep2head perfect on 1 dependent, head2dep 3 of 4 (min 3): head2dep is best
    acc.coverage[all_id] = torch.tensor([1, 4])
    acc.correct[all_id] = torch.tensor([[[1, 0]], [[3, 2]]])
    out = acc._causal_relation_result(all_id, [], np.zeros((0, 1, 2)), np.zeros((0, 1, 6)), None)
    assert out["best"] == {"layer": 0, "head": 0, "direction": "head2dep", "accuracy": 0.75,
                           "ci": None}
    assert out["best_by_direction"]["dep2head"]["accuracy"] == 1.0


def test_undirected_spanning_trees_by_hand():
    dog = word_maps(torch.tensor([DOG_HEAD0, DOG_HEAD1])[None], DOG_WORD_IDS)
    # head 0: the heaviest pairs loudly-barks .4, the-dog .3, dog-barks .3: all 3 gold edges
    # head 1: the-dog .8, loudly-dog .6, dog-barks .55: 2 gold edges
    assert mst_matches(dog, DOG.heads, causal=True)[0, 0].tolist() == [3, 2]
    saw = word_maps(torch.tensor([SAW_HEAD0, SAW_HEAD1])[None], SAW_WORD_IDS)
    # head 0: she-saw .4, she-him .35: 1 gold edge; head 1: she-saw .8, him-saw .6: 2
    assert mst_matches(saw, SAW.heads, causal=True)[0, 0].tolist() == [1, 2]
    res = result_of([both_batch()], [DOG, SAW], min_relation_count=1)
    mst = res["mst"]
    assert mst["edges"] == 5 and mst["sentences"] == 2
    assert mst["uuas"] == {"undirected": [[0.8, 0.8]]}
    assert mst["best"] == {"direction": "undirected", "layer": 0, "head": 0, "uuas": 0.8}


def test_encoder_results_of_the_same_maps_differ():
    encoder = DependencySyntax(context([DOG, SAW], min_relation_count=1))
    encoder.update(both_batch())
    out = encoder.result()
    assert "coverage" not in out["relations"]["all"]
    assert set(out["mst"]["uuas"]) == {"dep2head", "head2dep"}


# 5-word sentences for examples: the cat saw a dog (det nsubj root det obj).
CAT = sentence(["the", "cat", "saw", "a", "dog"], [1, 2, -1, 4, 2],
               ["det", "nsubj", "root", "det", "obj"], "cat")


def test_examples_count_only_the_covered_dependents():
    # word map: each word attends to the previous word; det/nsubj are head2dep (head follows)
    w = torch.zeros(5, 5)
    for i in range(1, 5):
        w[i, i - 1] = 1.0
    pool = [PooledMap(0, w[None, None].half())]
    # head2dep predictions: column i's only later attender is i + 1: the->cat, cat->saw, a->dog
    example = pick_example(pool, [CAT], 0, 0, "head2dep", "det", causal=True)
    assert example["covered"] == [0, 3] and example["correct"] == [0, 3]
    # obj (dog -> saw) is dep2head; dog attends to "a": wrong
    example = pick_example(pool, [CAT], 0, 0, "dep2head", "obj", causal=True)
    assert example["covered"] == [4] and example["correct"] == []
    # det in dep2head: no covered dependent in the pool, no example
    assert pick_example(pool, [CAT], 0, 0, "dep2head", "det", causal=True) is None
    assert "covered" not in pick_example(pool, [CAT], 0, 0, "head2dep", "det")


def random_tree(rng, w):
    order = list(rng.permutation(w))
    heads = [-1] * w
    for k, node in enumerate(order[1:], start=1):
        heads[int(node)] = int(order[rng.integers(0, k)])
    return heads


def random_corpus(seed=0, count=24, layers=3, heads=2):
    """Sentences with random trees and random causal token maps ([BOS] + pieces), batched."""
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    rels = ["det", "nsubj", "obj", "amod"]
    sentences, items = [], []
    for k in range(count):
        w = int(rng.integers(2, 9))
        tree = random_tree(rng, w)
        deprels = ["root" if h < 0 else rels[int(rng.integers(0, 4))] for h in tree]
        sentences.append(sentence([f"w{i}" for i in range(w)], tree, deprels, f"s{k}"))
        wids = [-1] + [i for i in range(w) for _ in range(int(rng.integers(1, 3)))]
        n = len(wids)
        logits = torch.randn(layers, heads, n, n, generator=gen) * 2
        future = torch.ones(n, n, dtype=torch.bool).triu(1)
        items.append((torch.softmax(logits.masked_fill(future, float("-inf")), -1), wids))
    batches = []
    for start in range(0, count, 5):
        chunk = items[start:start + 5]
        size = max(len(wids) for _, wids in chunk)
        att = torch.zeros(len(chunk), layers, heads, size, size)
        word_ids = torch.full((len(chunk), size), -1, dtype=torch.long)
        for b, (m, wids) in enumerate(chunk):
            att[b, :, :, :len(wids), :len(wids)] = m
            word_ids[b, :len(wids)] = torch.tensor(wids)
        batches.append(AttentionBatch(
            attentions=att, input_ids=torch.zeros_like(word_ids),
            roles=torch.ones((len(chunk), size), dtype=torch.int8), word_ids=word_ids,
            lengths=torch.tensor([len(wids) for _, wids in chunk]),
            index=torch.arange(start, start + len(chunk))))
    return sentences, items, batches


def decoder_of(sentences, layers=3, heads=2, **settings):
    ctx = decoder(sentences, **settings)
    ctx.num_layers, ctx.num_heads = layers, heads
    return DependencySyntax(ctx)


def test_random_causal_maps_agree_with_the_reference():
    sentences, items, batches = random_corpus()
    acc = decoder_of(sentences, min_relation_count=1)
    for batch in batches:
        acc.update(batch)
    res = acc.result()
    positions = []
    for _, wids in items:
        pos: dict[int, list[int]] = {}
        for t, w in enumerate(wids):
            if w >= 0:
                pos.setdefault(w, []).append(t)
        positions.append([pos[w] for w in sorted(pos)])
    wmaps = [word_map_loops(m.double().numpy(), p) for (m, _), p in zip(items, positions,
                                                                           strict=True)]
    counts, coverage, correct, offsets = causal_reference(wmaps, sentences)
    assert set(res["relations"]) == set(counts)
    for rel, out in res["relations"].items():
        assert out["count"] == counts[rel]
        assert [out["coverage"]["dep2head"], out["coverage"]["head2dep"]] == coverage[rel]
        for d, name in enumerate(("dep2head", "head2dep")):
            if coverage[rel][d] == 0:
                assert out["accuracy"][name] is None
                continue
            expected = correct[rel][d] / coverage[rel][d]
            assert np.allclose(out["accuracy"][name], expected, atol=1e-6), (rel, name)
            base = out["baseline_by_direction"][name]
            by_offset = {str(k): round(offsets[rel][k] / coverage[rel][d], 6)
                         for k in ((-3, -2, -1) if d == 0 else (1, 2, 3))}
            assert base["by_offset"] == by_offset
            assert base["accuracy"] == max(by_offset.values())
    # the undirected trees by Prim on the symmetric scores (pair i < j: map[j, i])
    matches = np.zeros((3, 2), dtype=int)
    edges = 0
    for wmap, s in zip(wmaps, sentences, strict=True):
        if len(s.words) < 2:
            continue
        gold = {(min(i, h), max(i, h)) for i, h in enumerate(s.heads) if h >= 0}
        edges += len(gold)
        for layer in range(3):
            for head in range(2):
                lower = np.tril(wmap[layer, head], -1)
                found = max_spanning_tree_prim(lower + lower.T)
                matches[layer, head] += len(found & gold)
    assert res["mst"]["edges"] == edges
    assert np.allclose(res["mst"]["uuas"]["undirected"], matches / edges, atol=1e-6)


def test_layer_slices_give_the_whole_batch_results():
    sentences, _, batches = random_corpus(seed=3)
    whole = decoder_of(sentences, min_relation_count=1)
    for batch in batches:
        whole.update(batch)
    sliced = decoder_of(sentences, min_relation_count=1)
    slices = [layer_slices(b, [[2], [0, 1]]) for b in batches[:3]]
    slices += [layer_slices(b, [[1], [2], [0]]) for b in batches[3:]]
    # interleaved: first slices of every batch, then the rest
    for group in slices:
        sliced.update(group[0])
    with pytest.raises(ValueError, match="lacks layers"):
        sliced.result()
    with pytest.raises(ValueError, match="lacks layers"):
        decoder_of(sentences, min_relation_count=1).merge(sliced)
    for group in slices:
        for piece in group[1:]:
            sliced.update(piece)
    expected = whole.result()
    assert sliced.result() == expected
    assert len(expected["examples"]) > 0  # the pooled maps were assembled from the slices
    again = decoder_of(sentences, min_relation_count=1)
    again.update(slices[0][0])
    with pytest.raises(ValueError, match="arrived twice"):
        again.update(slices[0][0])


def test_encoder_layer_slices_give_the_whole_batch_results_too():
    sentences, _, batches = random_corpus(seed=4, count=10)
    whole = DependencySyntax(replace(context(sentences, min_relation_count=1), num_layers=3))
    sliced = DependencySyntax(replace(context(sentences, min_relation_count=1), num_layers=3))
    for batch in batches:
        whole.update(batch)
        for piece in layer_slices(batch, [[1], [0], [2]]):
            sliced.update(piece)
    assert sliced.result() == whole.result()
