from dataclasses import replace

import numpy as np
import pytest
import torch

from generator.analyses.syntax import (
    DependencySyntax,
    mst_matches,
    offset_hits,
    predict_heads,
    word_maps,
)
from tests.unit.analyses.syntax_cases import (
    DOG,
    DOG_HEAD0,
    DOG_HEAD1,
    DOG_WORD_IDS,
    SAW,
    SAW_HEAD0,
    SAW_HEAD1,
    SAW_WORD_IDS,
    both_batch,
    context,
    make_batch,
    sentence,
)
from tests.unit.test_spanning_tree import brute_force


def test_predictions_both_directions():
    m = torch.tensor([[0, .7, .3], [.2, 0, .8], [.6, .4, 0]])
    pred = predict_heads(m)
    assert pred[0].tolist() == [1, 2, 0]  # row argmax, self excluded
    assert pred[1].tolist() == [2, 0, 1]  # column argmax: who attends to i most


def test_self_is_never_predicted_even_when_largest():
    m = torch.tensor([[.9, .1], [.2, .8]])
    assert predict_heads(m)[0].tolist() == [1, 0]
    assert predict_heads(m)[1].tolist() == [1, 0]


def test_word_maps_sum_pieces_and_drop_specials():
    maps = word_maps(torch.tensor(DOG_HEAD0), DOG_WORD_IDS, "mean")
    expected = [[0, .5, .3], [.3, 0, .5], [.1, .55, .25]]
    assert torch.allclose(maps, torch.tensor(expected))
    first = word_maps(torch.tensor(DOG_HEAD0), DOG_WORD_IDS, "first")
    assert torch.allclose(first[2], torch.tensor([.1, .3, .5]))


def test_offset_hits():
    hits = offset_hits([1, 2, -1, 2])  # offsets -3 -2 -1 1 2 3
    assert hits[0].tolist() == [False, False, False, True, False, False]
    assert hits[2].tolist() == [False] * 6  # the root has no head
    assert hits[3].tolist() == [False, False, True, False, False, False]


def result_of(batches, sentences, **settings):
    acc = DependencySyntax(context(sentences, **settings))
    for batch in batches:
        acc.update(batch)
    return acc.result()


def test_accuracies_by_hand_mean_rows():
    res = result_of([both_batch()], [DOG, SAW], min_relation_count=1)
    rel = res["relations"]
    assert set(rel) == {"det", "nsubj", "obj", "all"}
    assert rel["det"]["count"] == 1 and rel["nsubj"]["count"] == 2 and rel["all"]["count"] == 4
    # [layer][head]; head 0 / head 1 (worked out in syntax_cases.py)
    assert rel["det"]["accuracy"] == {"dep2head": [[1.0, 0.0]], "head2dep": [[1.0, 1.0]]}
    assert rel["nsubj"]["accuracy"] == {"dep2head": [[0.5, 0.5]], "head2dep": [[1.0, 1.0]]}
    assert rel["obj"]["accuracy"] == {"dep2head": [[1.0, 1.0]], "head2dep": [[0.0, 0.0]]}
    assert rel["all"]["accuracy"] == {"dep2head": [[0.75, 0.5]], "head2dep": [[0.75, 0.75]]}
    assert rel["nsubj"]["best"] == {"layer": 0, "head": 0, "direction": "head2dep",
                                    "accuracy": 1.0, "ci": [1.0, 1.0]}
    assert rel["all"]["best"]["direction"] == "dep2head"  # tie: dep2head comes first
    assert rel["all"]["best"]["accuracy"] == 0.75
    assert rel["nsubj"]["best_by_direction"]["dep2head"] == {"layer": 0, "head": 0,
                                                             "accuracy": 0.5}
    # baselines: the, dog, he have their head at +1; her at -1
    assert rel["all"]["baseline"]["offset"] == 1 and rel["all"]["baseline"]["accuracy"] == 0.75
    assert rel["all"]["baseline"]["by_offset"]["-1"] == 0.25
    assert rel["obj"]["baseline"]["offset"] == -1
    assert res["sentences"] == 2 and res["words_scored"] == 4


def test_first_piece_rows_change_the_answer():
    res = result_of([both_batch()], [DOG, SAW], min_relation_count=1, word_rows="first")
    # barks' first piece attends to "dog" only .3 < the's .5: head 0 loses dog in head2dep
    assert res["relations"]["nsubj"]["accuracy"]["head2dep"] == [[0.5, 1.0]]
    assert res["relations"]["nsubj"]["best"]["head"] == 1
    assert res["method"]["word_rows"] == "first"


def test_summing_pieces_gives_dog_its_head():
    # dog's token row: the .3, bark .25, ##s .25: a token-level argmax would pick "the"
    assert int(torch.tensor(DOG_HEAD0[2])[1:5].argmax()) == 0
    # summing bark + ##s gives barks .5 > .3, so head 0 predicts dog's gold head (barks)
    maps = word_maps(torch.tensor([DOG_HEAD0, DOG_HEAD1]), DOG_WORD_IDS)
    assert predict_heads(maps)[0, :, 1].tolist() == [2, 0]  # dep2head of dog; head 1: "the"
    dog_only = make_batch([[DOG_HEAD0, DOG_HEAD1]], [DOG_WORD_IDS], [0])
    res = result_of([dog_only], [DOG], min_relation_count=1)
    assert res["relations"]["nsubj"]["accuracy"]["dep2head"] == [[1.0, 0.0]]


def test_relation_threshold_and_rare_list():
    res = result_of([both_batch()], [DOG, SAW], min_relation_count=2)
    assert set(res["relations"]) == {"nsubj", "all"}
    assert res["rare_relations"] == {"det": 1, "obj": 1}


def test_batch_order_and_merge_do_not_change_results():
    whole = result_of([both_batch()], [DOG, SAW], min_relation_count=1)
    b0 = make_batch([[DOG_HEAD0, DOG_HEAD1]], [DOG_WORD_IDS], [0])
    b1 = make_batch([[SAW_HEAD0, SAW_HEAD1]], [SAW_WORD_IDS], [1])
    reordered = result_of([b1, b0], [DOG, SAW], min_relation_count=1)
    assert reordered == whole
    a = DependencySyntax(context([DOG, SAW], min_relation_count=1))
    b = DependencySyntax(context([DOG, SAW], min_relation_count=1))
    a.update(b1)
    b.update(b0)
    a.merge(b)
    assert a.result() == whole


def test_mst_by_hand():
    maps = word_maps(torch.tensor([SAW_HEAD0, SAW_HEAD1])[None], SAW_WORD_IDS)
    out = mst_matches(maps, SAW.heads)
    # head 0, dep2head: he->her->saw (.5 + .6) beats he->saw, her->saw (.9): 1 gold edge
    # head 0, head2dep: he->saw (.6), her->he (.5): 1 gold edge
    assert out[0, 0, 0] == 1 and out[1, 0, 0] == 1
    dog = word_maps(torch.tensor([DOG_HEAD0, DOG_HEAD1])[None], DOG_WORD_IDS)
    assert mst_matches(dog, DOG.heads)[:, 0, 0].tolist() == [2, 2]


def test_mst_agrees_with_brute_force_per_head():
    maps = word_maps(torch.tensor([DOG_HEAD0, DOG_HEAD1])[None], DOG_WORD_IDS)
    out = mst_matches(maps, DOG.heads)
    gold = {(0, 1), (1, 2)}
    for d in range(2):
        for h in range(2):
            m = maps[0, h].double().numpy()
            _, tree = brute_force(m if d == 0 else m.T, 2)
            found = {(min(i, t), max(i, t)) for i, t in enumerate(tree) if t >= 0}
            assert out[d, 0, h] == len(found & gold)


def test_mst_uuas_in_results():
    res = result_of([both_batch()], [DOG, SAW], min_relation_count=1)
    assert res["mst"]["edges"] == 4 and res["mst"]["sentences"] == 2
    assert res["mst"]["uuas"]["dep2head"][0][0] == 0.75
    assert res["mst"]["uuas"]["head2dep"][0][0] == 0.75


def test_mst_rule_names_the_trees_it_was_scored_against():
    res = result_of([both_batch()], [DOG, SAW], min_relation_count=1)
    assert res["trees"] == "gold" and "rooted at the gold tree's root" in res["method"]["mst"]
    ctx = context([DOG, SAW], min_relation_count=1)
    ctx.data = replace(ctx.data, trees="parser (spaCy en_core_web_sm)")
    acc = DependencySyntax(ctx)
    acc.update(both_batch())
    parsed = acc.result()
    assert parsed["trees"] == "parser (spaCy en_core_web_sm)"
    rule = parsed["method"]["mst"]
    assert "gold" not in rule and "rooted at the parser tree's root" in rule
    assert "UUAS = parser edges found ignoring direction / all parser edges" in rule


def test_bootstrap_is_seeded_and_brackets_the_estimate():
    rng = np.random.default_rng(5)
    sentences, batches = [], []
    for k in range(30):  # random maps over copies of the two sentences
        base = DOG if k % 2 == 0 else SAW
        wids = DOG_WORD_IDS if k % 2 == 0 else SAW_WORD_IDS
        n = len(wids)
        maps = [rng.dirichlet(np.ones(n), size=n).tolist() for _ in range(2)]
        sentences.append(base)
        batches.append(make_batch([maps], [wids], [k]))
    one = result_of(batches, sentences, min_relation_count=1, seed=3)
    two = result_of(list(reversed(batches)), sentences, min_relation_count=1, seed=3)
    other = result_of(batches, sentences, min_relation_count=1, seed=4)
    best = one["relations"]["all"]["best"]
    assert best == two["relations"]["all"]["best"]
    low, high = best["ci"]
    assert low <= best["accuracy"] <= high and low < high
    assert other["relations"]["all"]["best"]["accuracy"] == best["accuracy"]
    base = one["relations"]["all"]["baseline"]
    assert base["ci"][0] <= base["accuracy"] <= base["ci"][1]


def test_short_sentences_give_no_example():
    res = result_of([both_batch()], [DOG, SAW], min_relation_count=1)
    # sentences have 3 words: below the pool's minimum length, so no example
    assert res["examples"] == []


# Two 5-word sentences with one tree (det nsubj root det obj); each word is one token.
TREE = ([1, 2, -1, 4, 2], ["det", "nsubj", "root", "det", "obj"])
CAT = sentence(["the", "cat", "saw", "a", "dog"], *TREE, "cat")
SON = sentence(["my", "son", "read", "a", "book"], *TREE, "son")
FIVE_WORD_IDS = [-1, 0, 1, 2, 3, 4, -1]


def pointing(targets):
    """Token map: word i gives .1 to [CLS] and .9 to word targets[i]."""
    m = [[0.0] * 7 for _ in range(7)]
    m[0][0] = m[6][6] = 1.0
    for i, t in enumerate(targets):
        m[i + 1][0], m[i + 1][t + 1] = 0.1, 0.9
    return m


GOLD = pointing([1, 2, 1, 4, 2])  # every word to its gold head (the root to "cat")
PREVIOUS = pointing([1, 0, 1, 2, 3])  # previous word ("the" to the next one)


def test_examples_show_the_best_heads():
    # Word-level predictions (head2dep: argmax of the column, first index on ties):
    #   GOLD     dep2head [1 2 1 4 2]: det 0,3  nsubj 1  obj 4 | head2dep [1 0 1 0 3]: det 0
    #   PREVIOUS dep2head [1 0 1 2 3]: det 0              | head2dep [1 0 3 4 0]: det 0,3
    # cat: head 0 GOLD, head 1 PREVIOUS; son: the other way round. With dog and saw (counts in
    # test_accuracies_by_hand_mean_rows), correct per (direction, head) (d2h h0, d2h h1, h2d h0,
    # h2d h1): det 4 3 4 4, nsubj 2 2 2 2, obj 2 2 0 0; the top 3 heads, ties in that order.
    batch = make_batch([[DOG_HEAD0, DOG_HEAD1], [SAW_HEAD0, SAW_HEAD1], [GOLD, PREVIOUS],
                        [PREVIOUS, GOLD]],
                       [DOG_WORD_IDS, SAW_WORD_IDS, FIVE_WORD_IDS, FIVE_WORD_IDS], [0, 1, 2, 3])
    res = result_of([batch], [DOG, SAW, CAT, SON], min_relation_count=1)
    shown = [(e["relation"], e["direction"], e["layer"], e["head"], e["sent_id"], e["correct"])
             for e in res["examples"]]
    # each example: the pooled sentence where that head gets the largest share right (ties: cat)
    assert shown == [
        ("det", "dep2head", 0, 0, "cat", [0, 3]),
        ("det", "head2dep", 0, 0, "son", [0, 3]),
        ("det", "head2dep", 0, 1, "cat", [0, 3]),
        ("nsubj", "dep2head", 0, 0, "cat", [1]),
        ("nsubj", "dep2head", 0, 1, "son", [1]),
        ("nsubj", "head2dep", 0, 0, "cat", []),
        ("obj", "dep2head", 0, 0, "cat", [4]),
        ("obj", "dep2head", 0, 1, "son", [4]),
        ("obj", "head2dep", 0, 0, "cat", []),
    ]
    first = res["examples"][0]
    assert first["sentence"] == 2 and first["words"] == ["the", "cat", "saw", "a", "dog"]
    assert first["heads"] == TREE[0] and first["deprels"] == TREE[1]
    # the word map without the specials (so [CLS]'s .1 is gone), 3 digits
    assert first["attention"] == [[0, .9, 0, 0, 0], [0, 0, .9, 0, 0], [0, .9, 0, 0, 0],
                                  [0, 0, 0, 0, .9], [0, 0, .9, 0, 0]]


def test_mismatched_words_are_a_programming_error():
    two_words = sentence(["cats", "sleep"], [1, -1], ["nsubj", "root"])
    with pytest.raises(ValueError):
        result_of([make_batch([[DOG_HEAD0, DOG_HEAD1]], [DOG_WORD_IDS], [0])], [two_words])
