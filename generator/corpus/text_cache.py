"""The plain-text corpus, read and parsed once: cached on disk, read ahead while the model loads.

Reading the embedded Wikipedia sample (gensim's wikitext filter, and gensim's import) and parsing
the syntax sentences of either corpus with spaCy take ~8 s of one core and need no model.
``read_ahead`` starts a child process that does both into the cache while the main process loads
the model on another core; the main process then takes the entries, waiting on an entry's lock
while the child still writes it. Entries are keyed by the input file's sha256 and everything else
the result depends on, written atomically (a killed build leaves no half-written entry) and reused
by later builds with the same cache folder. A child that fails leaves nothing behind: the main
process then does the work itself and reports any error as usual (file and line). A --text corpus
is quick to read and is read directly (only its parse is cached).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import pickle
import random
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from generator import __version__
from generator.config import BuildConfig
from generator.corpus.conllu import Sentence
from generator.corpus.parser import load_parser, parse_sentences
from generator.corpus.text import Document, read_text_file
from generator.corpus.wiki import default_dump_path, read_wikipedia
from generator.results import file_digest

FORMAT = 1
"""Part of every key: bump it when reading or parsing changes what an entry holds (the package
version is part of the key too)."""

KEEP = 16
"""Entries kept (most recently used first); each is a few MB at most."""

T = TypeVar("T")


class TextCache:
    """Pickled values under ``root``/text, one per key; ``root`` None caches nothing."""

    def __init__(self, root: Path | None) -> None:
        self.root = root / "text" if root is not None else None

    def get(self, key: dict[str, Any], make: Callable[[], T]) -> T:
        """The entry for ``key``, made (and written) first when there is none. Holding the
        entry's lock meanwhile, so a second process asking for it waits and then reads it."""
        if self.root is None:
            return make()
        blob = json.dumps({"format": FORMAT, "version": __version__, **key}, sort_keys=True)
        name = hashlib.sha256(blob.encode()).hexdigest()[:24]
        self.root.mkdir(parents=True, exist_ok=True)
        entry = self.root / f"{name}.pickle"
        with _locked(self.root / f"{name}.lock"):
            if entry.exists():
                try:
                    value = pickle.loads(entry.read_bytes())
                    entry.touch()  # recently used: kept by _prune
                    return value
                except Exception:  # unreadable (e.g. another Python): made again
                    entry.unlink(missing_ok=True)
            value = make()
            for stale in self.root.glob(f"{name}.tmp-*"):  # left by a killed writer
                stale.unlink(missing_ok=True)
            tmp = self.root / f"{name}.tmp-{os.getpid()}"
            tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
            os.replace(tmp, entry)
        self._prune()
        return value

    def _prune(self) -> None:
        """Keep the ``KEEP`` most recently used entries."""
        assert self.root is not None
        entries = sorted(self.root.glob("*.pickle"), key=_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
            old.with_suffix(".lock").unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (released by the OS if the holder dies)."""
    try:
        import fcntl
    except ImportError:  # no advisory locks here: two processes may both make an entry
        yield
        return
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _cache(config: BuildConfig) -> TextCache:
    return TextCache(config.cache_root if config.cache else None)


@dataclass(frozen=True)
class TextCorpus:
    """A plain-text corpus as read: its documents, what the pages call it, its input digests."""

    documents: list[Document]
    description: str
    """E.g. "plain text FILE" or "English Wikipedia sample (gensim test data)"."""
    inputs: dict[str, str]
    """Input file -> sha256, for the manifest (and the parse cache's key)."""


def corpus_documents(config: BuildConfig) -> TextCorpus:
    """The plain-text corpus (--text, or the embedded Wikipedia sample): its documents, a
    description for the pages and its input digest for the manifest."""
    if config.text is not None:  # quick to read (and read first: its errors name the line)
        documents = read_text_file(config.text)
        return TextCorpus(documents, f"plain text {config.text.name}",
                          {str(config.text): file_digest(config.text)})
    dump = default_dump_path()
    digest = file_digest(dump)
    key = {"kind": "wikipedia", "sha256": digest, "gensim": _version("gensim")}
    documents = _cache(config).get(key, lambda: read_wikipedia(dump))
    return TextCorpus(documents, "English Wikipedia sample (gensim test data)", {dump.name: digest})


def sample_texts(documents: list[Document], limit: int, seed: int) -> list[str]:
    """At most ``limit`` sentences, a seeded sample kept in corpus order."""
    flat = [s for doc in documents for s in doc]
    if len(flat) <= limit:
        return flat
    keep = sorted(random.Random(seed).sample(range(len(flat)), limit))
    return [flat[i] for i in keep]


def parsed_sentences(config: BuildConfig, documents: list[Document], inputs: dict[str, str]
                     ) -> tuple[list[Sentence], int]:
    """The syntax sentences parsed with spaCy from a seeded sample of the corpus's sentences
    (``inputs``: the corpus's digests, for the key), and how many texts were parsed."""
    key = {"kind": "parsed", "inputs": inputs, "spacy": _version("spacy"),
           "model": config.spacy_model, "model_version": _version(config.spacy_model),
           "limit": config.syntax_sentences, "seed": config.seed}

    def make() -> tuple[list[Sentence], int]:
        texts = sample_texts(documents, config.syntax_sentences, config.seed)
        return parse_sentences(texts, load_parser(config.spacy_model)), len(texts)

    return _cache(config).get(key, make)


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


class ReadAhead:
    """A child process that fills the cache with what the build will read from plain text."""

    def __init__(self, config: BuildConfig) -> None:
        self.cache = _cache(config)
        # Forked before the model loads: the child imports and runs gensim and spaCy, never
        # torch.
        self.child = multiprocessing.get_context("fork").Process(target=_fill,
                                                                 args=(config, os.getpid()),
                                                                 daemon=True)
        self.child.start()

    def stop(self) -> None:
        """End the child (done by now, or no longer needed: the build failed); an entry it was
        writing is left out whole."""
        if self.child.is_alive():
            self.child.terminate()
        self.child.join()
        if self.cache.root is not None:
            for partial in self.cache.root.glob(f"*.tmp-{self.child.pid}"):
                partial.unlink(missing_ok=True)


def read_ahead(config: BuildConfig) -> ReadAhead | None:
    """Start reading ahead, unless there is nothing to read ahead into: the cache is off, the
    corpus is pre-built segments, a --text corpus is not parsed (a treebank is given: the text
    itself is read directly, never cached), or processes are not forked here."""
    if not config.cache or config.segments is not None or sys.platform != "linux":
        return None
    if config.text is not None and config.treebank:
        return None
    return ReadAhead(config)


def _fill(config: BuildConfig, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to report
    _end_with_parent(parent)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)  # no progress bars beside the main process's
    os.dup2(quiet, 2)
    code = 0
    try:
        text = corpus_documents(config)
        if not config.treebank:
            parsed_sentences(config, text.documents, text.inputs)
    except BaseException:  # the main process does the work again and reports the error
        code = 1
    os._exit(code)


def _end_with_parent(parent: int) -> None:
    """Linux: the child gets SIGTERM when the build process dies, even by SIGKILL (which leaves
    no chance to stop it), instead of finishing its entries alone."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)
