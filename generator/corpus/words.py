"""Turn a list of words (a treebank sentence, a coreference window) into a model segment.

The tokenizer itself aligns wordpieces to words (``is_split_into_words`` and ``word_ids``); we never
re-implement tokenization. The result is ``[CLS] words [SEP]`` with the tokenizer's own specials.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator.corpus.segment import Segment
from generator.model.template import SpecialTemplate


def encode_words(
    words: Sequence[str],
    tokenizer: Any,
    template: SpecialTemplate,
    *,
    max_len: int,
    source: str = "",
) -> Segment | None:
    """The segment for ``words``, or None when it would exceed ``max_len`` wordpieces.

    A word the tokenizer turns into no piece at all (e.g. a lone control character) gets the
    unknown token, so every word has at least one position.
    """
    enc = tokenizer(list(words), is_split_into_words=True, add_special_tokens=False)
    ids: list[int] = list(enc["input_ids"])
    word_of_token = enc.word_ids()
    pieces: list[list[int]] = [[] for _ in words]
    for token_id, w in zip(ids, word_of_token, strict=True):
        if w is not None:
            pieces[w].append(token_id)
    unk = tokenizer.unk_token_id if tokenizer.unk_token_id is not None else 0
    body: list[int] = []
    body_words: list[int] = []
    for w, word_pieces in enumerate(pieces):
        word_pieces = word_pieces or [unk]
        body.extend(word_pieces)
        body_words.extend([w] * len(word_pieces))
    if len(body) + template.single_overhead > max_len:
        return None
    input_ids, type_ids, token_source = template.single(body)
    word_ids = [body_words[t] if t >= 0 else -1 for t in token_source]
    return Segment(tuple(input_ids), tuple(type_ids), tuple(word_ids), source, tuple(words))
