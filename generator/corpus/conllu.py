"""Read CoNLL-U (any UD treebank): words with HEAD, DEPREL, UPOS, XPOS, FEATS and MISC.

Multiword-token lines (``3-4``) and empty nodes (``8.1``) are skipped. Every sentence is checked:
10 tab-separated columns, consecutive word ids, integer HEAD within the sentence, exactly one root
and no cycle. Problems raise a one-line HeadAtlasError naming the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import HeadAtlasError
from generator.textfile import read_utf8


@dataclass(frozen=True)
class Word:
    form: str
    lemma: str
    upos: str
    xpos: str
    feats: dict[str, str]
    head: int
    """0-based index of the head word in the sentence, or -1 for the root."""
    deprel: str
    misc: str
    line: int


@dataclass(frozen=True)
class Sentence:
    words: tuple[Word, ...]
    doc_id: str | None
    sent_id: str | None
    text: str | None
    line: int
    """Line of the sentence's first word, for error messages."""
    comments: tuple[str, ...] = field(default=())

    @property
    def forms(self) -> list[str]:
        return [w.form for w in self.words]

    @property
    def heads(self) -> list[int]:
        return [w.head for w in self.words]

    def __len__(self) -> int:
        return len(self.words)


def parse_feats(raw: str) -> dict[str, str]:
    if raw in ("", "_"):
        return {}
    feats = {}
    for item in raw.split("|"):
        key, sep, value = item.partition("=")
        if sep:
            feats[key] = value
    return feats


def _check_tree(words: list[Word], path: Path) -> None:
    roots = [i for i, w in enumerate(words) if w.head == -1]
    if len(roots) != 1:
        listed = ", ".join(str(r + 1) for r in roots)
        what = f"{len(roots)} roots (words {listed})" if roots else "no root"
        raise HeadAtlasError(f"sentence has {what}; expected exactly one HEAD of 0",
                             path=path, line=words[0].line)
    reaches_root: set[int] = {-1}
    for start in range(len(words)):
        path_nodes: list[int] = []
        node = start
        while node not in reaches_root:
            if node in path_nodes:
                raise HeadAtlasError(f"HEAD values form a cycle through word {node + 1}",
                                     path=path, line=words[start].line)
            path_nodes.append(node)
            node = words[node].head
        reaches_root.update(path_nodes)


def _parse_word(cols: list[str], expected_id: int, path: Path, line: int) -> Word:
    try:
        word_id = int(cols[0])
    except ValueError:
        raise HeadAtlasError(f"ID '{cols[0]}' is not an integer", path=path, line=line) from None
    if word_id != expected_id:
        raise HeadAtlasError(f"word ID {word_id} out of order (expected {expected_id})",
                             path=path, line=line)
    try:
        head = int(cols[6])
    except ValueError:
        raise HeadAtlasError(f"HEAD '{cols[6]}' is not an integer", path=path,
                             line=line) from None
    if head < 0:
        raise HeadAtlasError(f"HEAD {head} is negative", path=path, line=line)
    return Word(form=cols[1], lemma=cols[2], upos=cols[3], xpos=cols[4],
                feats=parse_feats(cols[5]), head=head - 1, deprel=cols[7], misc=cols[9],
                line=line)


def _column_hint(line: str, text: str) -> str:
    """Why a line may not have 10 columns, for the common mistakes."""
    if text.lstrip().startswith("#begin document"):
        return " (this looks like a CoNLL-2012 file: pass it with --coref)"
    if "\t" not in line and len(line.split()) >= 10 and line.split()[0].isdigit():
        return " (columns separated by spaces? CoNLL-U needs tabs)"
    if "\t" not in line:
        return " (is this plain text? pass plain text with --text)"
    return ""


def iter_conllu(path: Path) -> Iterator[Sentence]:
    """Yield checked sentences from a CoNLL-U file."""
    text = read_utf8(path, "CoNLL-U file")
    doc_id: str | None = None
    words: list[Word] = []
    comments: list[str] = []
    sent_id = sent_text = None

    def finish() -> Sentence:
        for w in words:
            if w.head >= len(words):
                raise HeadAtlasError(f"HEAD {w.head + 1} is beyond the sentence's "
                                     f"{len(words)} words", path=path, line=w.line)
        _check_tree(words, path)
        return Sentence(tuple(words), doc_id, sent_id, sent_text, words[0].line, tuple(comments))

    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if words:
                yield finish()
            words, comments, sent_id, sent_text = [], [], None, None
            continue
        if line.startswith("#"):
            body = line[1:].strip()
            key, sep, value = body.partition("=")
            key, value = key.strip(), value.strip()
            if sep and key in ("newdoc id", "newdoc"):
                doc_id = value
            elif sep and key == "sent_id":
                sent_id = value
            elif sep and key == "text":
                sent_text = value
            comments.append(body)
            continue
        cols = line.split("\t")
        if len(cols) != 10:
            raise HeadAtlasError(f"expected 10 tab-separated columns, found {len(cols)}"
                                 f"{_column_hint(line, text)}", path=path, line=number)
        if "-" in cols[0] or "." in cols[0]:
            continue  # multiword token or empty node
        words.append(_parse_word(cols, len(words) + 1, path, number))
    if words:
        yield finish()


def read_conllu(path: Path) -> list[Sentence]:
    sentences = list(iter_conllu(path))
    if not sentences:
        raise HeadAtlasError("no sentence found (empty CoNLL-U file?)", path=path)
    return sentences
