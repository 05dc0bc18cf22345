"""The embedded default corpus: English Wikipedia prose shipped inside the gensim wheel."""

from __future__ import annotations

import bz2
import importlib.util
import re
from pathlib import Path

from generator.corpus.text import Document, split_sentences
from generator.errors import HeadAtlasError

DUMP_NAME = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
_MARKUP = re.compile(r"'{2,}")
_MIN_WORDS = 6


def default_dump_path() -> Path:
    """The sample inside the installed gensim, found without importing gensim (1-2 s of
    imports, needed only when the sample is read rather than taken from the cache)."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or spec.origin is None:
        raise HeadAtlasError("the default corpus needs gensim: pip install gensim")
    path = Path(spec.origin).parent / "test" / "test_data" / DUMP_NAME
    if not path.exists():
        raise HeadAtlasError("the Wikipedia sample is missing from this gensim", path=path)
    return path


def _prose_paragraphs(text: str) -> list[str]:
    """Keep prose lines: drop headings, lists, tables, templates and very short lines."""
    keep = []
    for line in text.splitlines():
        line = _MARKUP.sub("", line).strip()
        if not line or line[0] in "=*#|{}!:;<" or len(line.split()) < _MIN_WORDS:
            continue
        if not line.endswith((".", "!", "?", '."', ".)")):
            continue
        keep.append(line)
    return keep


def read_wikipedia(path: Path | None = None) -> list[Document]:
    """Articles (redirects skipped) as documents of sentences, in dump order."""
    from gensim.corpora.wikicorpus import extract_pages, filter_wiki

    path = path or default_dump_path()
    documents: list[Document] = []
    with bz2.open(path) as fh:
        for _title, text, _pageid in extract_pages(fh):
            if text.lstrip().lower().startswith("#redirect"):
                continue
            sentences: Document = []
            for paragraph in _prose_paragraphs(filter_wiki(text)):
                sentences.extend(split_sentences(paragraph))
            if sentences:
                documents.append(sentences)
    return documents
