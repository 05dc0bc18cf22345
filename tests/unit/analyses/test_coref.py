"""Per-head antecedent selection on hand-made attention maps, intervals and merging."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generator.analyses.base import AnalysisContext
from generator.analyses.coref import BOOTSTRAP_SAMPLES, CorefHeads, bootstrap_interval, word_rows
from generator.config import BuildConfig
from generator.corpus.mentions import Mention
from generator.model import roles as R
from generator.model.batch import AttentionBatch
from generator.streams.coref import CorefData
from generator.wordlevel import to_word_level
from tests.unit.analyses.test_antecedents import STORY

# STORY: John(0) saw Mary(2) . He(4) greeted her(6) . John(8) smiled; scored: He, her, John.
# Tokens: [CLS] then one piece per word, except "greeted" (word 5) split into two pieces,
# then [SEP]: token of word w is 1 + w for w <= 5, 2 + w after.
WORD_IDS = [-1, 0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, -1]
N = len(WORD_IDS)


def token(word: int) -> int:
    return WORD_IDS.index(word)


def attention(targets: dict[int, dict[int, float]]) -> torch.Tensor:
    """A [N, N] map: row of word w gives weights to words (rest of the row to [SEP])."""
    a = torch.zeros(N, N)
    for t in range(N):
        a[t, N - 1] = 1.0
    for w, weights in targets.items():
        rows = [t for t, x in enumerate(WORD_IDS) if x == w]
        for r in rows:
            a[r] = 0
            for target, weight in weights.items():
                a[r, token(target)] = weight
            a[r, N - 1] = 1 - sum(weights.values())
    return a


# Head (0, 0): He -> John, her -> Mary, John -> He: 3 of 3 right.
GOOD = attention({4: {0: 0.5, 2: 0.2}, 6: {2: 0.4, 4: 0.3}, 8: {4: 0.6, 6: 0.1}})
# Head (0, 1): always the nearest candidate: 0 of 3.
NEAREST = attention({4: {2: 0.5}, 6: {4: 0.5, 2: 0.1}, 8: {6: 0.3, 0: 0.2}})
# Head (1, 0): He -> Mary 0.3 beats John 0.25 (wrong); her: the two pieces of "greeted" (not a
# candidate) hold most, Mary 0.2 vs He 0.1 (right); John: "He" 0.3 vs John 0.3: tie, the
# earliest candidate (John, right).
MIXED = attention({4: {2: 0.3, 0: 0.25}, 6: {5: 0.6, 2: 0.2, 4: 0.1}, 8: {4: 0.3, 0: 0.3}})
# Head (1, 1): uniform, so every choice is a tie and goes to the earliest candidate (John):
# He right, her wrong, John right.
UNIFORM = torch.full((N, N), 1.0 / N)


def batch(windows: list[int]) -> AttentionBatch:
    maps = torch.stack([torch.stack([GOOD, NEAREST]), torch.stack([MIXED, UNIFORM])])
    b = len(windows)
    roles = torch.full((N,), R.WORD, dtype=torch.int8)
    roles[0], roles[-1] = R.CLS, R.SEP
    return AttentionBatch(
        attentions=maps.expand(b, 2, 2, N, N).clone(),
        input_ids=torch.arange(N).expand(b, N).clone(),
        roles=roles.expand(b, N).clone(),
        word_ids=torch.tensor(WORD_IDS).expand(b, N).clone(),
        lengths=torch.full((b,), N), index=torch.tensor(windows))


def context(docs: int = 2, seed: int = 0) -> AnalysisContext:
    from dataclasses import replace
    windows = [replace(STORY, doc=d, doc_id=f"d{d}") for d in range(docs)]
    data = CorefData(windows, [f"d{d}" for d in range(docs)], {"long_sentences": 0})
    return AnalysisContext(2, 2, BuildConfig(seed=seed), data)


def test_rows_sum_to_one_and_word_rows_match_the_full_map():
    for a in (GOOD, NEAREST, MIXED):
        assert torch.allclose(a.sum(-1), torch.ones(N))
    full, units = to_word_level(MIXED, WORD_IDS, "mean")
    rows, unit_of = word_rows(MIXED, WORD_IDS, "mean", [6, 4])
    assert torch.allclose(rows, full[[unit_of[6], unit_of[4]]])
    rows, unit_of = word_rows(MIXED, WORD_IDS, "first", [5])
    assert torch.allclose(rows, to_word_level(MIXED, WORD_IDS, "first")[0][[unit_of[5]]])


def test_per_head_accuracy_by_type_and_baselines():
    acc = CorefHeads(context())
    acc.update(batch([0, 1]))
    out = acc.result()
    assert out["mentions"] == 6 and out["windows"] == 2
    assert out["mentions_by_type"] == {"pronoun": 4, "proper": 2, "nominal": 0}
    assert out["accuracy"]["all"] == [[1.0, 0.0], [0.666667, 0.666667]]
    assert out["accuracy"]["pronoun"] == [[1.0, 0.0], [0.5, 0.5]]
    assert out["accuracy"]["proper"] == [[1.0, 0.0], [1.0, 1.0]]
    best = out["best"]
    assert (best["layer"], best["head"], best["accuracy"]) == (0, 0, 1.0)
    assert best["by_type"]["pronoun"] == {"accuracy": 1.0, "ci": [1.0, 1.0], "mentions": 4}
    assert best["by_type"]["nominal"]["accuracy"] is None
    base = out["baselines"]
    assert base["nearest"]["accuracy"] == 0.0
    assert base["head_match"]["accuracy"] == pytest.approx(1 / 3, abs=1e-6)
    assert base["head_match"]["by_type"]["proper"]["accuracy"] == 1.0
    assert base["rule_based"]["accuracy"] == 1.0
    assert out["rules"]["candidates"].startswith("the head words of all earlier mentions")


def test_example_is_the_best_heads_first_pronoun():
    out = CorefHeads(context())
    out.update(batch([1, 0]))
    ex = out.result()["example"]
    assert (ex["layer"], ex["head"], ex["doc_id"]) == (0, 0, "d0")
    assert ex["words"][ex["pronoun_word"]] == "He" and ex["predicted_word"] == 0
    assert ex["candidates"] == [{"word": 0, "weight": 0.5, "gold": True},
                                {"word": 2, "weight": 0.2, "gold": False}]
    assert [m["entity"] for m in ex["mentions"]] == [0, 1, 0, 1, 0]


def test_example_prefers_a_personal_pronoun():
    """With "He" made a generic "One", the example is the later "her" (also right for GOOD)."""
    from dataclasses import replace
    acc = CorefHeads(context())
    words = list(STORY.words)
    words[4] = "One"
    generic = replace(STORY, words=tuple(words))
    acc.context.data.windows[0] = replace(generic, doc=0, doc_id="d0")
    acc.context.data.windows[1] = replace(generic, doc=1, doc_id="d1")
    acc.update(batch([0, 1]))
    ex = acc.result()["example"]
    assert ex["words"][ex["pronoun_word"]] == "her" and ex["pronoun"] == 3
    assert ex["predicted_word"] == 2 and ex["doc_id"] == "d0"
    # with no personal pronoun, the earliest generic one is still taken
    words[6] = "you"
    both = replace(STORY, words=tuple(words))
    fallback = CorefHeads(context())
    fallback.context.data.windows[:] = [replace(both, doc=d, doc_id=f"d{d}") for d in (0, 1)]
    fallback.update(batch([0, 1]))
    out = fallback.result()["example"]
    assert out["words"][out["pronoun_word"]] == "One" and out["pronoun"] == 2


def test_merge_of_shards_equals_one_pass():
    one = CorefHeads(context())
    one.update(batch([0, 1]))
    a, b = CorefHeads(context()), CorefHeads(context())
    a.update(batch([1]))
    b.update(batch([0]))
    a.merge(b)
    assert a.result() == one.result()


def test_bootstrap_interval_matches_a_plain_loop():
    correct = np.array([3.0, 0.0, 5.0, 1.0])
    total = np.array([4.0, 2.0, 5.0, 3.0])
    rng = np.random.default_rng(7)
    picks = rng.integers(0, 4, (BOOTSTRAP_SAMPLES, 4))
    draws = np.stack([np.bincount(p, minlength=4) for p in picks])
    plain = sorted(sum(correct[p]) / sum(total[p]) for p in picks)
    low, high = bootstrap_interval(correct, total, draws)
    assert low == pytest.approx(np.percentile(plain, 2.5), abs=1e-6)
    assert high == pytest.approx(np.percentile(plain, 97.5), abs=1e-6)
    assert low < correct.sum() / total.sum() < high


def test_intervals_are_seeded_and_spread_over_documents():
    results = []
    for _ in range(2):
        ctx = context(docs=3)
        # document 1 lacks the last "John": its head-match score is 0 of 2, the others 1 of 3
        ctx.data.windows[1] = type(STORY)(**{**STORY.__dict__, "doc": 1,
                                             "mentions": STORY.mentions[:4]})
        acc = CorefHeads(ctx)
        acc.update(batch([0, 1, 2]))
        results.append(acc.result()["baselines"]["head_match"])
    assert results[0] == results[1]
    assert results[0]["accuracy"] == 0.25
    low, high = results[0]["ci"]
    assert low < 0.25 < high and low >= 0.0 and high <= 1 / 3 + 1e-6


def test_mentions_left_out_only_because_of_overlap_are_counted():
    # On STORY's words: [John saw Mary .]1 with [Mary]1 inside (counted), [He greeted her]2
    # with [greeted]2 inside (counted) and [her]2 (scored: "greeted" ends before it), and
    # [John]1 (scored). Two such windows: 4 counted, 4 scored.
    from dataclasses import replace
    ms = (Mention("1", 0, 3, 0), Mention("1", 2, 2, 2), Mention("2", 4, 6, 4),
          Mention("2", 5, 5, 5), Mention("2", 6, 6, 6), Mention("1", 8, 8, 8))
    ctx = context()
    ctx.data.windows[:] = [replace(w, mentions=ms) for w in ctx.data.windows]
    acc = CorefHeads(ctx)
    acc.update(batch([0, 1]))
    out = acc.result()
    assert out["mentions_overlapped_only"] == 4
    assert out["mentions"] == 4 and out["mentions_in_windows"] == 12


def test_no_scored_mention_gives_null_best():
    ctx = context()
    ctx.data.windows[0] = type(STORY)(**{**STORY.__dict__, "mentions": STORY.mentions[:2]})
    acc = CorefHeads(ctx)
    acc.update(batch([0]))
    out = acc.result()
    assert out["mentions"] == 0 and out["best"] is None and out["example"] is None
