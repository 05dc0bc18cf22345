"""Scored mentions, candidates, types and each baseline on hand-made windows."""

from __future__ import annotations

from generator.analyses.antecedents import (
    agreement_features,
    find_anaphors,
    mention_type,
    overlapped_only,
    predict_head_match,
    predict_nearest,
    predict_rule_based,
)
from generator.corpus.coref_windows import CorefWindow
from generator.corpus.mentions import Mention

SING3 = {"Number": "Sing", "Person": "3"}


def window(words, mentions):
    """words: (form, xpos, feats); mentions: (entity, start, end, head)."""
    return CorefWindow(doc=0, doc_id="d", first_sentence=0, sentence_starts=(0,),
                       words=tuple(w[0] for w in words), xpos=tuple(w[1] for w in words),
                       feats=tuple(w[2] for w in words),
                       mentions=tuple(Mention(*m) for m in mentions))


# John saw Mary . He greeted her . John smiled
STORY = window(
    [("John", "NNP", {"Number": "Sing"}), ("saw", "VBD", {}),
     ("Mary", "NNP", {"Number": "Sing", "Gender": "Fem"}), (".", ".", {}),
     ("He", "PRP", {**SING3, "Gender": "Masc"}), ("greeted", "VBD", {}),
     ("her", "PRP", {**SING3, "Gender": "Fem"}), (".", ".", {}),
     ("John", "NNP", {"Number": "Sing"}), ("smiled", "VBD", {})],
    [("1", 0, 0, 0), ("2", 2, 2, 2), ("1", 4, 4, 4), ("2", 6, 6, 6), ("1", 8, 8, 8)])


def test_scored_mentions_candidates_and_gold():
    got = [(a.mention, a.earlier, a.candidates, set(a.gold)) for a in find_anaphors(STORY.mentions)]
    assert got == [(2, (0, 1), (0, 2), {0}), (3, (0, 1, 2), (0, 2, 4), {2}),
                   (4, (0, 1, 2, 3), (0, 2, 4, 6), {0, 4})]


def test_containing_and_contained_mentions_are_not_earlier():
    # [[his] [self]] . [it]: "his" (entity 1) and "self" (entity 1) are inside "his self"
    # (entity 2); "his self" is earlier than "it" but not than "self", which it contains.
    ms = [Mention("2", 0, 1, 1), Mention("1", 0, 0, 0), Mention("1", 1, 1, 1),
          Mention("2", 3, 3, 3)]
    anaphors = find_anaphors(ms)
    assert [(a.mention, a.earlier, set(a.gold)) for a in anaphors] == [
        (2, (1,), {0}), (3, (0, 1, 2), {1})]


def test_mentions_left_out_only_because_of_overlap():
    # (entity, start, end, head) on 16 words, sorted by (start, -end) as in a window:
    ms = [Mention("1", 0, 3, 0),    # 0 "Kim, the CEO"
          Mention("1", 2, 3, 3),    # 1 "the CEO": 0 starts before and overlaps; nothing of
          #                             entity 1 ends before word 2: counted
          Mention("2", 5, 8, 8),    # 2
          Mention("2", 5, 6, 6),    # 3 starts where 2 starts: 2 does not start before: no
          Mention("1", 5, 5, 5),    # 4 0 and 1 end before it: scored, not counted
          Mention("3", 7, 9, 9),    # 5
          Mention("3", 8, 8, 8),    # 6 inside 5, nothing of entity 3 earlier: counted
          Mention("3", 9, 9, 9),    # 7 inside 5 (at its end), but 6 ends before it: scored
          Mention("4", 10, 11, 11),
          Mention("5", 11, 11, 11),  # 9 overlapped by another entity only: no
          Mention("6", 12, 14, 13),
          Mention("6", 13, 15, 15)]  # 11 crosses 10 (starts inside, ends after): counted
    assert overlapped_only(ms) == [1, 6, 11]
    assert [a.mention for a in find_anaphors(ms)] == [4, 7]


def test_types_by_xpos():
    assert [mention_type(t) for t in ("PRP", "PRP$", "NNP", "NNPS", "NN", "WP", "CD")] == [
        "pronoun", "pronoun", "proper", "proper", "nominal", "nominal", "nominal"]


def predictions(predict, w=STORY):
    return [predict(w, a) for a in find_anaphors(w.mentions)]


def test_nearest():
    assert predictions(predict_nearest) == [2, 4, 6]  # all wrong here


def test_head_match_none_when_no_same_head():
    assert predictions(predict_head_match) == [None, None, 0]  # only the second "John" matches


def test_rule_based_sieves_in_order():
    # He: no string or head match; agreement rules out Mary (Fem), so John.
    # her: He is Masc, so the nearest agreeing is Mary. John: exact string match.
    assert predictions(predict_rule_based) == [0, 2, 0]


def test_rule_based_falls_back_to_any_and_third_person_default():
    w = window([("dogs", "NNS", {"Number": "Plur"}), ("I", "PRP", {"Number": "Sing",
                                                                      "Person": "1"}),
                ("me", "PRP", {"Number": "Sing", "Person": "1"}),
                ("we", "PRP", {"Number": "Plur", "Person": "1"})],
               [("2", 0, 0, 0), ("1", 1, 1, 1), ("1", 2, 2, 2), ("1", 3, 3, 3)])
    assert agreement_features(w, w.mentions[0]) == {"Number": "Plur", "Person": "3"}
    # me: dogs is third person, I agrees -> I. we: nothing agrees (number or person) -> nearest.
    assert predictions(predict_rule_based, w) == [1, 2]


def test_exact_string_match_beats_nearer_head_match():
    w = window([("the", "DT", {}), ("big", "JJ", {}), ("dog", "NN", {}), ("a", "DT", {}),
                ("dog", "NN", {}), ("the", "DT", {}), ("big", "JJ", {}), ("dog", "NN", {})],
               [("1", 0, 2, 2), ("2", 3, 4, 4), ("1", 5, 7, 7)])
    assert predictions(predict_rule_based, w) == [2]
    assert predictions(predict_head_match, w) == [4]
