"""Coreference from CoNLL-U MISC ``Entity=`` (CorefUD bracket notation, as in GUM).

``(12-person-giv...`` opens a mention of entity 12 on this word, ``12)`` closes the most recent
open mention of entity 12, ``(12-...)`` is a one-word mention; several brackets may be chained on
one word and are read left to right. A part index in the bracket, ``(12[1/2]-...`` / ``12[1/2])``,
marks one part of a discontinuous mention: such mentions are skipped and counted. A close without
an open, or a mention still open at the end of its document, raises a HeadAtlasError naming the
file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from generator.corpus.conllu import Sentence, iter_conllu
from generator.corpus.mentions import (
    CorefCorpus,
    CorefDocument,
    Mention,
    document_heads,
    sort_mentions,
    span_head,
)
from generator.errors import HeadAtlasError

_ID = r"[^()\[\]\-\s|]+"
_BRACKET = re.compile(
    rf"\((?P<open>{_ID})(?:\[(?P<ok>\d+)/(?P<on>\d+)\])?(?P<attrs>-[^()]*)?(?P<single>\))?"
    rf"|(?P<close>{_ID})(?:\[(?P<ck>\d+)/(?P<cn>\d+)\])?\)"
)


@dataclass(frozen=True)
class Bracket:
    """One bracket of an Entity= value: an opening, a closing, or both (a one-word mention)."""

    entity: str
    opens: bool
    closes: bool
    part: tuple[int, int] | None = None
    """(k, n) for part k of a discontinuous mention of n parts."""
    attrs: str = ""


def entity_value(misc: str) -> str | None:
    """The value of ``Entity=`` in a MISC column, or None."""
    for item in misc.split("|"):
        if item.startswith("Entity="):
            return item[len("Entity="):]
    return None


def parse_entity(value: str, *, path: str | Path = "", line: int | None = None) -> list[Bracket]:
    """The brackets of one Entity= value, in order."""
    out: list[Bracket] = []
    pos = 0
    while pos < len(value):
        m = _BRACKET.match(value, pos)
        if m is None:
            raise HeadAtlasError(f"cannot read Entity= value {value!r} at character {pos + 1}",
                                 path=path, line=line)
        if m.group("open") is not None:
            part = (int(m["ok"]), int(m["on"])) if m["ok"] else None
            out.append(Bracket(m.group("open"), True, m.group("single") is not None, part,
                               (m.group("attrs") or "")[1:]))
        else:
            part = (int(m["ck"]), int(m["cn"])) if m["ck"] else None
            out.append(Bracket(m.group("close"), False, True, part))
        pos = m.end()
    return out


def mentions_from_brackets(
    sentences: list[Sentence], path: str | Path
) -> tuple[list[tuple[str, int, int, int]], int]:
    """Spans (entity, start, end, line) of one document's continuous mentions, and how many
    discontinuous mentions were skipped. Positions count words across the document."""
    spans: list[tuple[str, int, int, int]] = []
    stacks: dict[tuple[str, tuple[int, int] | None], list[tuple[int, int]]] = {}
    discontinuous = 0
    pos = 0
    for sentence in sentences:
        for word in sentence.words:
            value = entity_value(word.misc)
            if value is not None:
                for b in parse_entity(value, path=path, line=word.line):
                    if b.part is not None and b.opens and b.part[0] == 1:
                        discontinuous += 1
                    if b.opens and b.closes:
                        if b.part is None:
                            spans.append((b.entity, pos, pos, word.line))
                    elif b.opens:
                        stacks.setdefault((b.entity, b.part), []).append((pos, word.line))
                    else:
                        stack = stacks.get((b.entity, b.part))
                        if not stack:
                            part = f"[{b.part[0]}/{b.part[1]}]" if b.part else ""
                            raise HeadAtlasError(
                                f"Entity= closes {b.entity}{part}) with no open mention of it",
                                path=path, line=word.line)
                        start, line = stack.pop()
                        if b.part is None:
                            spans.append((b.entity, start, pos, line))
            pos += 1
    for (entity, _part), stack in stacks.items():
        if stack:
            raise HeadAtlasError(f"mention of entity {entity} opened here is never closed in "
                                 f"its document", path=path, line=stack[0][1])
    return spans, discontinuous


def read_entity_conllu(path: Path) -> CorefCorpus:
    """Read a CoNLL-U file with CorefUD Entity= annotation into documents with mentions.

    Documents follow ``# newdoc id``; entity ids are local to their document.
    """
    documents: list[CorefDocument] = []
    discontinuous = 0
    sentences = list(iter_conllu(path))
    if not sentences:
        raise HeadAtlasError("no sentence found (empty CoNLL-U file?)", path=path)
    for number, (doc_id, group) in enumerate(groupby(sentences, key=lambda s: s.doc_id)):
        doc_sentences = list(group)
        spans, skipped = mentions_from_brackets(doc_sentences, path)
        discontinuous += skipped
        heads = document_heads(doc_sentences)
        mentions = [Mention(e, s, t, span_head(heads, s, t), line) for e, s, t, line in spans]
        documents.append(CorefDocument(doc_id or f"document-{number + 1}",
                                       tuple(doc_sentences), sort_mentions(mentions)))
    return CorefCorpus(documents, str(path), "conllu", discontinuous)
