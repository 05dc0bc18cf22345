"""Plain-text corpora: documents separated by blank lines, split into sentences."""

from __future__ import annotations

import re
from pathlib import Path

from generator.errors import HeadAtlasError
from generator.textfile import read_utf8

# A sentence ends at . ! or ? (optionally followed by a closing quote or bracket) before
# whitespace and an upper-case letter, digit or opening quote. Abbreviations like "e.g." followed
# by a lower-case word are therefore not split.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]?\s+(?=[\"'“‘(\[]?[A-Z0-9])")

Document = list[str]


def split_sentences(paragraph: str) -> list[str]:
    text = " ".join(paragraph.split())
    if not text:
        return []
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def parse_documents(text: str) -> list[Document]:
    """Blank lines separate documents; within a document each line is split into sentences."""
    documents: list[Document] = []
    current: Document = []
    for line in text.splitlines():
        if not line.strip():
            if current:
                documents.append(current)
                current = []
            continue
        current.extend(split_sentences(line))
    if current:
        documents.append(current)
    return documents


def check_not_tabular(text: str, path: Path) -> None:
    """A CoNLL-U or CoNLL-2012 file given as plain text would be analysed as nonsense words;
    say which flag it belongs to instead."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if line.startswith("#begin document"):
            raise HeadAtlasError("this looks like a CoNLL-2012 file, not plain text: pass it "
                                 "with --coref", path=path, line=number)
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) >= 8 and cols[0].split("-")[0].split(".")[0].isdigit():
            raise HeadAtlasError("this looks like a CoNLL-U file (tab-separated columns), not "
                                 "plain text: pass it with --treebank or --coref",
                                 path=path, line=number)
        return


def read_text_file(path: Path) -> list[Document]:
    """Read a UTF-8 plain-text corpus; raise a one-line error naming the file (and line)."""
    text = read_utf8(path, "text file")
    check_not_tabular(text, path)
    documents = parse_documents(text)
    if not documents:
        raise HeadAtlasError("the corpus is empty", path=path)
    return documents
