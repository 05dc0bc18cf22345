"""Turn a list of words (a treebank sentence, a coreference window) into a model segment.

Words are encoded the way the model reads running text: they are joined by one space
(``" ".join(words)``; CoNLL-U ``SpaceAfter=No`` is not used, so "cat ." stays two words with a
space between them) and the tokenizer encodes that text. Each piece then goes to the word whose
characters its offsets cover; a piece that covers only a joining space (a SentencePiece "▁" on
its own) goes to the word after it. So the word-split encoding is the encoding of the joined text,
piece for piece: a byte-level BPE (RoBERTa, GPT-2) sees ``The Ġcat Ġsat``, as in real text, not
``The cat sat`` (what ``is_split_into_words`` gives it without ``add_prefix_space``). We never
re-implement tokenization.

Fallback, for a tokenizer without offsets (a slow, Python or SentencePiece backend) or a
sentence where one piece covers characters of two words (a tokenizer that does not split at
spaces): each word is encoded alone, the words after the first with a leading space (`` cat``),
which gives the same pieces for every tokenizer whose pre-tokenizer splits at spaces and keeps the
space with the next word (WordPiece, byte-level BPE, SentencePiece's "▁").

The result is ``[CLS] words [SEP]`` with the tokenizer's own specials.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

from generator.encoding.segment import Segment
from generator.encoding.special_tokens import SpecialTemplate


def _joined(words: Sequence[str]) -> tuple[str, list[int], list[bool]]:
    """The text ``" ".join(words)``; for each character position (and the end) the word it goes
    with (a joining space: the word after it; the end: the last word); and whether the position
    is a character of that word (False for joining spaces and the end)."""
    owner: list[int] = []
    inside: list[bool] = []
    for w, word in enumerate(words):
        if w:
            owner.append(w)
            inside.append(False)
        owner.extend([w] * len(word))
        inside.extend([True] * len(word))
    owner.append(max(len(words) - 1, 0))
    inside.append(False)
    return " ".join(words), owner, inside


def _pieces_by_offsets(words: Sequence[str], tokenizer: Any) -> list[list[int]] | None:
    """Each word's piece ids from one encoding of the joined text (fast tokenizers); None when a
    piece covers characters of two words."""
    text, owner, inside = _joined(words)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    pieces: list[list[int]] = [[] for _ in words]
    for token_id, (start, end) in zip(enc["input_ids"], enc["offset_mapping"], strict=True):
        covered = {owner[c] for c in range(start, end) if inside[c]}
        if len(covered) > 1:
            return None
        # a piece of joining space alone (or an empty span) goes with the word that follows
        w = covered.pop() if covered else owner[min(start, len(text))]
        pieces[w].append(token_id)
    return pieces


def _pieces_word_by_word(words: Sequence[str], tokenizer: Any) -> list[list[int]]:
    """Each word encoded alone, with a leading space after the first word (see module doc)."""
    return [list(tokenizer(word if w == 0 else " " + word, add_special_tokens=False)["input_ids"])
            for w, word in enumerate(words)]


def word_pieces(words: Sequence[str], tokenizer: Any) -> list[list[int]]:
    """The piece ids of each word, as the tokenizer encodes the words joined by one space."""
    if not words:
        return []
    if getattr(tokenizer, "is_fast", False):
        pieces = _pieces_by_offsets(words, tokenizer)
        if pieces is not None:
            return pieces
    return _pieces_word_by_word(words, tokenizer)


def document_pieces(documents: Sequence[Sequence[str]], tokenizer: Any
                    ) -> list[list[list[int]]]:
    """Each document's sentences as piece ids, as the tokenizer encodes the document's running
    text (its sentences joined by one space): a byte-level BPE gives a sentence after the first
    its "Ġ" as in real text, which encoding each sentence alone would lose.

    One batched call with offsets for all documents (fast tokenizers); a piece goes to the
    sentence its first character belongs to (a joining space goes with the sentence after it).
    A document where a piece covers characters of two sentences, or a tokenizer without offsets,
    takes ``word_pieces``' word-by-word fallback (each sentence alone, with a leading space
    after the first).
    """
    texts = [" ".join(doc) for doc in documents]
    if not getattr(tokenizer, "is_fast", False):
        return [_pieces_word_by_word(doc, tokenizer) if doc else [] for doc in documents]
    enc = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    out: list[list[list[int]]] = []
    for doc, ids, offsets in zip(documents, enc["input_ids"], enc["offset_mapping"], strict=True):
        starts, position = [], 0
        for sentence in doc:
            starts.append(position)
            position += len(sentence) + 1
        # sentence k owns the characters from the space before it (k > 0) to its end
        bounds = [0] + [start - 1 for start in starts[1:]]
        pieces: list[list[int]] = [[] for _ in doc]
        crossed = False
        for token_id, (start, end) in zip(ids, offsets, strict=True):
            k = bisect.bisect_right(bounds, start) - 1
            if k + 1 < len(starts) and end > starts[k + 1]:
                crossed = True
                break
            pieces[max(k, 0)].append(token_id)
        out.append(_pieces_word_by_word(doc, tokenizer) if crossed else pieces)
    return out


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
    unk = tokenizer.unk_token_id if tokenizer.unk_token_id is not None else 0
    body: list[int] = []
    body_words: list[int] = []
    for w, pieces in enumerate(word_pieces(words, tokenizer)):
        pieces = pieces or [unk]
        body.extend(pieces)
        body_words.extend([w] * len(pieces))
    if len(body) + template.single_overhead > max_len:
        return None
    input_ids, type_ids, token_source = template.single(body)
    word_ids = [body_words[t] if t >= 0 else -1 for t in token_source]
    return Segment(tuple(input_ids), tuple(type_ids), tuple(word_ids), source, tuple(words))
