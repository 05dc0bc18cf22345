"""Coreference from the CoNLL-2012 ``*_conll`` format (OntoNotes), with parsed mention heads.

Documents run from ``#begin document (name); part N`` to ``#end document``; sentences are
separated by blank lines; one word per line, whitespace-separated columns: word in column 4, XPOS
in column 5, coreference in the last one (``-``, or ``(12``, ``12)``, ``(12)`` joined by ``|``).

The format has no dependency tree, so mention heads come from a dependency parse of each gold
sentence (spaCy, ``BuildConfig.spacy_model``, run on the gold words with the gold XPOS tags);
UD-style FEATS (Number, Person, Gender) come from spaCy's attribute ruler on those tags. The same
head rule as for CoNLL-U then applies (the first span word whose head lies outside the span).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.corpus.conllu import Sentence, Word
from generator.corpus.mentions import (
    CorefCorpus,
    CorefDocument,
    Mention,
    document_heads,
    sort_mentions,
    span_head,
)
from generator.errors import HeadAtlasError
from generator.textfile import read_utf8

Parse = Callable[[list[str], list[str]], list[tuple[int, str, dict[str, str]]]]
"""(words, xpos) -> per word (0-based head in the sentence or -1, deprel, feats)."""

_BEGIN = re.compile(r"#begin document \((?P<name>[^)]*)\);?\s*(?:part\s+(?P<part>\d+))?")
_COREF = re.compile(r"^\(?(\d+)\)?$")


def is_conll2012(path: Path) -> bool:
    """True when the file looks like CoNLL-2012 (its first non-blank line begins a document)."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            for line in fh:
                if line.strip():
                    return line.startswith("#begin document")
    except OSError:
        return False
    return False


def spacy_parser(model: str) -> Parse:
    """A Parse function from a spaCy pipeline: its parser, with the gold tags in place."""
    import spacy
    from spacy.tokens import Doc

    try:
        nlp = spacy.load(model, exclude=["ner"])
    except OSError as exc:
        raise HeadAtlasError(f"cannot load spaCy model '{model}': {exc}",
                             path="spacy_model") from None

    def parse(words: list[str], xpos: list[str]) -> list[tuple[int, str, dict[str, str]]]:
        doc: Any = Doc(nlp.vocab, words=words)
        for name, proc in nlp.pipeline:
            if name == "tagger":
                for token, tag in zip(doc, xpos, strict=True):
                    token.tag_ = tag
            else:
                doc = proc(doc)
        return [(-1 if t.head.i == t.i else t.head.i, t.dep_,
                 {k: str(v) for k, v in t.morph.to_dict().items()}) for t in doc]

    return parse


def _coref_brackets(cell: str, path: Path, line: int) -> list[tuple[str, bool, bool]]:
    """(entity, opens, closes) for each item of a coreference cell."""
    if cell == "-":
        return []
    out = []
    for item in cell.split("|"):
        m = _COREF.match(item)
        if m is None or not (item.startswith("(") or item.endswith(")")):
            raise HeadAtlasError(f"cannot read coreference item {item!r}", path=path, line=line)
        out.append((m.group(1), item.startswith("("), item.endswith(")")))
    return out


def read_conll2012(path: Path, parse: Parse) -> CorefCorpus:
    """Read a CoNLL-2012 file into documents with mentions (heads from ``parse``)."""
    text = read_utf8(path, "CoNLL-2012 file")
    documents: list[CorefDocument] = []
    doc_id: str | None = None
    doc_line = 0
    sentences: list[Sentence] = []
    rows: list[tuple[list[str], int]] = []
    spans: list[tuple[str, int, int, int]] = []
    stacks: dict[str, list[tuple[int, int]]] = {}
    position = 0

    def finish_sentence() -> None:
        nonlocal rows
        if not rows:
            return
        forms = [cols[3] for cols, _ in rows]
        tags = [cols[4] for cols, _ in rows]
        parsed = parse(forms, tags)
        words = tuple(
            Word(form=cols[3], lemma=cols[6] if cols[6] != "-" else cols[3], upos="",
                 xpos=cols[4], feats=feats, head=head, deprel=deprel, misc="", line=line)
            for (cols, line), (head, deprel, feats) in zip(rows, parsed, strict=True))
        sentences.append(Sentence(words, doc_id, None, " ".join(forms), rows[0][1]))
        rows = []

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#begin document"):
            if doc_id is not None:
                raise HeadAtlasError("#begin document inside another document", path=path,
                                     line=number)
            m = _BEGIN.match(line)
            name = m.group("name") if m else line[len("#begin document"):].strip()
            part = m.group("part") if m else None
            doc_id = f"{name}_part{int(part):03d}" if part is not None else name
            doc_line, sentences, spans, stacks, position = number, [], [], {}, 0
            continue
        if line.startswith("#end document"):
            if doc_id is None:
                raise HeadAtlasError("#end document without #begin document", path=path,
                                     line=number)
            finish_sentence()
            for entity, stack in stacks.items():
                if stack:
                    raise HeadAtlasError(f"mention of entity {entity} opened here is never "
                                         "closed in its document", path=path, line=stack[0][1])
            heads = document_heads(sentences)
            mentions = [Mention(e, s, t, span_head(heads, s, t), ln) for e, s, t, ln in spans]
            if sentences:
                documents.append(CorefDocument(doc_id, tuple(sentences), sort_mentions(mentions)))
            doc_id = None
            continue
        if not line:
            finish_sentence()
            continue
        if line.startswith("#"):
            continue
        if doc_id is None:
            raise HeadAtlasError("word line outside #begin document ... #end document",
                                 path=path, line=number)
        cols = line.split()
        if len(cols) < 12:
            raise HeadAtlasError(f"expected at least 12 columns, found {len(cols)}", path=path,
                                 line=number)
        for entity, opens, closes in _coref_brackets(cols[-1], path, number):
            if opens and closes:
                spans.append((entity, position, position, number))
            elif opens:
                stacks.setdefault(entity, []).append((position, number))
            else:
                stack = stacks.get(entity)
                if not stack:
                    raise HeadAtlasError(f"coreference closes {entity}) with no open mention "
                                         "of it", path=path, line=number)
                start, ln = stack.pop()
                spans.append((entity, start, position, ln))
        rows.append((cols, number))
        position += 1
    if doc_id is not None:
        raise HeadAtlasError("document never ends (no #end document)", path=path, line=doc_line)
    if not documents:
        raise HeadAtlasError("no document found (expected #begin document lines)", path=path)
    return CorefCorpus(documents, str(path), "conll2012", 0,
                       {"heads": "spaCy dependency parse of the gold words and tags"})
