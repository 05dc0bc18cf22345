"""Antecedent selection in a window: which mentions are scored, their candidates and types, and
the three baselines (SPEC section 7; Clark et al. 2019, Table 2).

A mention is *earlier* than another when it ends before the other starts (so a mention never
competes with the mentions it contains or is contained in). A mention is scored when an earlier
mention of its entity lies in the same window. Its candidates are the head words of all earlier
mentions in the window; a prediction (a candidate word) is correct when it is the head word of an
earlier mention of the same entity. Nearness is by head word: the nearest candidate is the one
whose head word is closest before the scored mention's.

A mention whose only preceding mentions of its entity overlap it (they start before it but do not
end before it starts, e.g. an apposition inside a longer mention of the same entity) is therefore
not scored; ``overlapped_only`` finds those, so the pages can say how many were left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from generator.corpus.coref_windows import CorefWindow
from generator.corpus.mentions import Mention

TYPES = ("pronoun", "proper", "nominal")
PRONOUN_TAGS = frozenset({"PRP", "PRP$"})
PROPER_TAGS = frozenset({"NNP", "NNPS"})
AGREEMENT_FEATURES = ("Number", "Person", "Gender")
BASELINES = ("nearest", "head_match", "rule_based")
SIEVES = ("exact string match", "head match", "number/person/gender agreement", "any")

RULES = {
    "earlier": "a mention is earlier than another when it ends before the other starts; a "
               "mention that starts before another but overlaps it (contains it, or ends inside "
               "it) is not earlier",
    "candidates": "the head words of all earlier mentions in the same window (a mention is "
                  "earlier when it ends before the scored mention starts)",
    "scored": "every mention with an earlier mention of its own entity in the same window",
    "correct": "the chosen candidate is the head word of an earlier mention of the same entity",
    "head_prediction": "the candidate the mention's head word attends to most (word-level map; "
                       "ties go to the earliest candidate)",
    "head_word": "the word of the span whose syntactic head lies outside the span (the first "
                 "such word if several)",
    "types": "by the XPOS of the mention's head word: PRP or PRP$ pronoun, NNP or NNPS proper, "
             "anything else nominal",
    "nearest": "the earlier mention with the latest head word (nearness goes by head words, "
               "not by where mentions end; \"nearest\" means the same in the other baselines)",
    "head_match": "the nearest earlier mention whose head word is the same (lower-cased); when "
                  "there is none the mention counts as wrong",
    "rule_based": "sieves in order: exact string match (lower-cased span), head match, "
                  "number/person/gender agreement (UD FEATS of the head words; a feature missing "
                  "on either side agrees; non-pronouns are third person), any; the nearest "
                  "mention passing the earliest sieve that any mention passes",
}


@dataclass(frozen=True)
class Anaphor:
    """A scored mention: its index in the window's mentions, candidates and gold answers."""

    mention: int
    earlier: tuple[int, ...]
    """Indices of all earlier mentions."""
    candidates: tuple[int, ...]
    """Candidate words: distinct head words of the earlier mentions, in word order."""
    gold: frozenset[int]
    """Head words of the earlier mentions of the same entity."""


def mention_type(xpos: str) -> str:
    if xpos in PRONOUN_TAGS:
        return "pronoun"
    if xpos in PROPER_TAGS:
        return "proper"
    return "nominal"


def find_anaphors(mentions: Sequence[Mention]) -> list[Anaphor]:
    """The scored mentions of a window, in the order of ``mentions``."""
    out = []
    for k, m in enumerate(mentions):
        earlier = tuple(i for i, e in enumerate(mentions) if e.end < m.start)
        gold = frozenset(mentions[i].head for i in earlier if mentions[i].entity == m.entity)
        if gold:
            out.append(Anaphor(k, earlier, tuple(sorted({mentions[i].head for i in earlier})),
                               gold))
    return out


def overlapped_only(mentions: Sequence[Mention]) -> list[int]:
    """Indices of the mentions left unscored only because of overlap: another mention of the
    same entity starts before this one but does not end before it starts, and no mention of the
    entity is earlier (ends before it starts)."""
    out = []
    for k, m in enumerate(mentions):
        same = [e for i, e in enumerate(mentions) if i != k and e.entity == m.entity]
        if (any(e.start < m.start <= e.end for e in same)
                and not any(e.end < m.start for e in same)):
            out.append(k)
    return out


def _nearest(mentions: Sequence[Mention], choices: Sequence[int]) -> int | None:
    """Head word of the nearest of ``choices`` (mention indices), or None if there is none."""
    return max((mentions[i].head for i in choices), default=None)


def predict_nearest(window: CorefWindow, anaphor: Anaphor) -> int | None:
    return _nearest(window.mentions, anaphor.earlier)


def _head_form(window: CorefWindow, m: Mention) -> str:
    return window.words[m.head].lower()


def _span_text(window: CorefWindow, m: Mention) -> str:
    return " ".join(window.words[m.start:m.end + 1]).lower()


def predict_head_match(window: CorefWindow, anaphor: Anaphor) -> int | None:
    ms = window.mentions
    head = _head_form(window, ms[anaphor.mention])
    return _nearest(ms, [i for i in anaphor.earlier if _head_form(window, ms[i]) == head])


def agreement_features(window: CorefWindow, m: Mention) -> dict[str, str]:
    """Number, Person and Gender of a mention's head word (non-pronouns are third person)."""
    feats = {f: window.feats[m.head][f] for f in AGREEMENT_FEATURES if f in window.feats[m.head]}
    if "Person" not in feats and mention_type(window.xpos[m.head]) != "pronoun":
        feats["Person"] = "3"
    return feats


def agrees(a: dict[str, str], b: dict[str, str]) -> bool:
    """True when no feature known on both sides differs."""
    return all(a[f] == b[f] for f in a.keys() & b.keys())


def predict_rule_based(window: CorefWindow, anaphor: Anaphor) -> int | None:
    ms = window.mentions
    m = ms[anaphor.mention]
    text, head, feats = _span_text(window, m), _head_form(window, m), agreement_features(window, m)
    sieves = (
        lambda e: _span_text(window, e) == text,
        lambda e: _head_form(window, e) == head,
        lambda e: agrees(agreement_features(window, e), feats),
        lambda e: True,
    )
    for sieve in sieves:
        passing = [i for i in anaphor.earlier if sieve(ms[i])]
        if passing:
            return _nearest(ms, passing)
    return None


PREDICTORS = {"nearest": predict_nearest, "head_match": predict_head_match,
              "rule_based": predict_rule_based}
