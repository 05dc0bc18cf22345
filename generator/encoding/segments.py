"""Build the general corpus's segments the way Clark et al. did (SPEC section 1), or load them.

A document's sentences are gathered until they hold at least ``max_len - specials`` wordpieces,
cut at a random sentence boundary into A and B, truncated to fit, and wrapped as
``[CLS] A [SEP] B [SEP]`` (with the tokenizer's own specials). A document's last chunk that never
reaches that length is dropped, as the paper took only segments of at least max_len - 3 pieces
(``keep_short_segments`` keeps it). Seeded: the same corpus and seed give the same segments.

A decoder's segments (``build_decoder_segments``, SPEC section 11) are gathered the same way with
no A/B split: ``BOS text`` (or ``text`` with ``--bos off``), the chunk's tail cut off to fit.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.corpus.text import Document
from generator.encoding.segment import Segment
from generator.encoding.special_tokens import SpecialTemplate
from generator.encoding.words import document_pieces
from generator.errors import HeadAtlasError
from generator.textfile import read_utf8


@dataclass
class SegmentReport:
    """What happened while making segments, for the manifest and the pages."""

    documents: int = 0
    sentences: int = 0
    candidates: int = 0
    selected: int = 0
    dropped_single_sentence: int = 0
    dropped_short: int = 0
    skipped_too_long: int = 0
    truncated: int = 0
    unknown_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _truncate_pair(a: list[int], b: list[int], limit: int, rng: random.Random) -> None:
    """BERT's truncate_seq_pair: trim the longer side, from a random end, until both fit."""
    while len(a) + len(b) > limit:
        longer = a if len(a) > len(b) else b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def _make_segment(
    template: SpecialTemplate, a: list[int], b: list[int], zero_types: bool, source: str
) -> Segment:
    ids, types, _ = template.pair(a, b)
    if zero_types:
        types = [0] * len(ids)
    return _plain_segment(ids, types, source)


def build_segments(
    documents: list[Document],
    tokenizer: Any,
    template: SpecialTemplate,
    *,
    max_len: int,
    max_segments: int,
    seed: int,
    zero_types: bool = False,
    keep_short: bool = False,
) -> tuple[list[Segment], SegmentReport]:
    """Segments of SPEC section 1 from ``documents``, and a report of what was dropped.

    A chunk ends when it holds at least ``limit = max_len - pair_overhead`` pieces or at its
    document's last sentence. A chunk of one sentence is dropped (``dropped_single_sentence``: no
    A/B cut); otherwise, a chunk shorter than ``limit`` (only a document's last can be) is dropped
    (``dropped_short``) unless ``keep_short``. So ``dropped_short`` is exactly the number of
    candidates ``keep_short`` would add. A dropped chunk draws nothing from the seeded rng.
    """
    report = SegmentReport(documents=len(documents))
    rng = random.Random(seed)
    limit = max_len - template.pair_overhead
    if limit < 2:
        raise HeadAtlasError(f"max_len {max_len} leaves no room for text", path="--max-len")
    flat = [s for doc in documents for s in doc]
    report.sentences = len(flat)
    encoded = document_pieces(documents, tokenizer)
    candidates: list[Segment] = []
    for d, doc_pieces in enumerate(encoded):
        sents = [ids for ids in doc_pieces if ids]
        chunk: list[list[int]] = []
        length = 0
        for i, sent in enumerate(sents):
            chunk.append(sent)
            length += len(sent)
            if length < limit and i < len(sents) - 1:
                continue
            if len(chunk) < 2:
                report.dropped_single_sentence += 1
            elif length < limit and not keep_short:
                report.dropped_short += 1
            else:
                cut = rng.randint(1, len(chunk) - 1)
                a = [t for s in chunk[:cut] for t in s]
                b = [t for s in chunk[cut:] for t in s]
                _truncate_pair(a, b, limit, rng)
                candidates.append(_make_segment(template, a, b, zero_types, f"document {d}"))
            chunk, length = [], 0
    return _sample(candidates, report, rng, max_segments, limit)


def build_decoder_segments(
    documents: list[Document],
    tokenizer: Any,
    template: SpecialTemplate,
    *,
    max_len: int,
    max_segments: int,
    seed: int,
    keep_short: bool = False,
) -> tuple[list[Segment], SegmentReport]:
    """A decoder's segments (SPEC section 11): a document's sentences gathered until they hold
    at least ``limit = max_len - template.single_overhead`` tokens (the BOS token, when the
    template starts with one, counts in ``max_len``), no A/B split, the chunk's tail cut off to
    fit (``truncated`` counts them), then ``template.single`` (``BOS text`` or ``text``).

    As for encoders (``build_segments``), a chunk ends at ``limit`` tokens or at its document's
    last sentence, and a chunk that ends short of ``limit`` (only a document's last can) is
    dropped (``dropped_short``) unless ``keep_short``; a single sentence is a segment like any
    other (there is no cut to make), so ``dropped_single_sentence`` stays 0. Sentences carry
    their running-text pieces (``document_pieces``). ``seed`` draws only the ``max_segments``
    sample, as for encoders.
    """
    report = SegmentReport(documents=len(documents))
    rng = random.Random(seed)
    limit = max_len - template.single_overhead
    if limit < 2:
        raise HeadAtlasError(f"max_len {max_len} leaves no room for text", path="--max-len")
    report.sentences = sum(len(doc) for doc in documents)
    candidates: list[Segment] = []
    for d, doc_pieces in enumerate(document_pieces(documents, tokenizer)):
        sents = [ids for ids in doc_pieces if ids]
        chunk: list[int] = []
        for i, sent in enumerate(sents):
            chunk.extend(sent)
            if len(chunk) < limit and i < len(sents) - 1:
                continue
            if len(chunk) < limit and not keep_short:
                report.dropped_short += 1
            else:
                if len(chunk) > limit:
                    report.truncated += 1
                ids, types, _ = template.single(chunk[:limit])
                candidates.append(_plain_segment(ids, [0] * len(ids), f"document {d}"))
            chunk = []
    return _sample(candidates, report, rng, max_segments, limit)


def _sample(candidates: list[Segment], report: SegmentReport, rng: random.Random,
            max_segments: int, limit: int) -> tuple[list[Segment], SegmentReport]:
    """The seeded sample of at most ``max_segments`` candidates (in corpus order), counted in
    ``report``; an error saying why when there is none."""
    report.candidates = len(candidates)
    if len(candidates) > max_segments:
        keep = sorted(rng.sample(range(len(candidates)), max_segments))
        candidates = [candidates[i] for i in keep]
    report.selected = len(candidates)
    if not candidates:
        raise HeadAtlasError(_no_segment_reason(report, limit))
    return candidates, report


def _no_segment_reason(report: SegmentReport, limit: int) -> str:
    """Why ``build_segments`` found nothing, and what would help."""
    why = [f"{report.documents} document(s), {report.sentences} sentence(s)"]
    if report.dropped_single_sentence:
        why.append(f"{report.dropped_single_sentence} chunk(s) of a single sentence dropped "
                   "(a segment needs two)")
    if report.dropped_short:
        why.append(f"{report.dropped_short} chunk(s) under {limit} wordpieces at a document's "
                   "end dropped (--keep-short-segments keeps them)")
    return "the corpus gives no segment: " + "; ".join(why)


def _plain_segment(ids: list[int], types: list[int], source: str) -> Segment:
    return Segment(tuple(ids), tuple(types), tuple([-1] * len(ids)), source)


def load_segments_json(
    path: Path,
    tokenizer: Any,
    template: SpecialTemplate,
    *,
    max_len: int,
    max_segments: int,
    zero_types: bool = False,
) -> tuple[list[Segment], SegmentReport]:
    """Read the authors' JSON format: a list of {"tokens": [...]} (specials included) or
    {"text": "..."} objects."""
    raw = read_utf8(path, "JSON file")
    try:
        items = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise HeadAtlasError(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    if not isinstance(items, list) or not items:
        raise HeadAtlasError("expected a non-empty JSON list of segments", path=path)
    report = SegmentReport(documents=len(items))
    unk = tokenizer.unk_token_id
    sep_ids = {tokenizer.sep_token_id, tokenizer.eos_token_id} - {None}
    segments: list[Segment] = []
    for k, item in enumerate(items):
        where = f"{path} (segment {k})"
        if not isinstance(item, dict) or ("tokens" not in item and "text" not in item):
            raise HeadAtlasError('each segment needs "tokens" or "text"', path=where)
        if "tokens" in item:
            tokens = item["tokens"]
            if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
                raise HeadAtlasError('"tokens" must be a list of strings', path=where)
            if len(tokens) > max_len:
                report.skipped_too_long += 1
                continue
            ids = [int(i) for i in tokenizer.convert_tokens_to_ids(tokens)]
            report.unknown_tokens += sum(1 for t, i in zip(tokens, ids, strict=True)
                                         if i == unk and t != tokenizer.unk_token)
            types, seen_sep = [], False
            for i in ids:
                types.append(1 if seen_sep and not zero_types else 0)
                seen_sep = seen_sep or i in sep_ids
            segments.append(_plain_segment(ids, types, f"segment {k}"))
        else:
            text = item["text"]
            if not isinstance(text, str):
                raise HeadAtlasError('"text" must be a string', path=where)
            body = tokenizer(text, add_special_tokens=False)["input_ids"]
            room = max_len - template.single_overhead
            if len(body) > room:
                body = body[:room]
                report.truncated += 1
            if not body:
                continue
            ids, types, _ = template.single(list(body))
            if zero_types:
                types = [0] * len(ids)
            segments.append(_plain_segment(ids, types, f"segment {k}"))
        report.sentences += 1
    report.candidates = len(segments)
    segments = segments[:max_segments]
    report.selected = len(segments)
    if not segments:
        raise HeadAtlasError("no usable segment in the file", path=path)
    return segments, report
