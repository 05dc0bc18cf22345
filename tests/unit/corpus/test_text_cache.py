"""The plain-text cache: entries made once, waited for across processes, never half-written."""

from __future__ import annotations

import multiprocessing
import pickle
import time

import pytest

import generator.corpus.text_cache as text_cache
from generator.config import BuildConfig
from generator.corpus.text import parse_documents
from generator.corpus.text_cache import (
    TextCache,
    corpus_documents,
    parsed_sentences,
    read_ahead,
)
from generator.corpus.wiki import read_wikipedia
from tests.helpers import SAMPLE_TEXT


def test_an_entry_is_made_once_and_then_read(tmp_path):
    cache = TextCache(tmp_path)
    calls: list[int] = []

    def make():
        calls.append(1)
        return [["one sentence."], ["two", "three"]]

    first = cache.get({"kind": "x", "n": 1}, make)
    again = cache.get({"kind": "x", "n": 1}, make)
    other = cache.get({"kind": "x", "n": 2}, make)
    assert first == again == other == make()
    assert len(calls) == 3  # n=1 once, n=2 once, and the direct call above
    assert sorted(p.suffix for p in (tmp_path / "text").glob("*.pickle")) == [".pickle"] * 2
    assert not list((tmp_path / "text").glob("*.tmp-*"))


def test_no_root_caches_nothing(tmp_path):
    calls: list[int] = []
    cache = TextCache(None)
    for _ in range(2):
        cache.get({"kind": "x"}, lambda: calls.append(1) or 5)
    assert calls == [1, 1]


def test_an_unreadable_entry_is_made_again(tmp_path):
    cache = TextCache(tmp_path)
    cache.get({"kind": "x"}, lambda: 1)
    (entry,) = (tmp_path / "text").glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert cache.get({"kind": "x"}, lambda: 2) == 2
    assert pickle.loads(entry.read_bytes()) == 2


def _slow_writer(root, started):
    def make():
        started.set()
        time.sleep(1.0)
        return "from the other process"

    TextCache(root).get({"kind": "slow"}, make)


def test_a_second_process_waits_for_the_entry_being_made(tmp_path):
    context = multiprocessing.get_context("fork")
    started = context.Event()
    child = context.Process(target=_slow_writer, args=(tmp_path, started))
    child.start()
    assert started.wait(10)

    def make():
        raise AssertionError("made twice")

    try:
        assert TextCache(tmp_path).get({"kind": "slow"}, make) == "from the other process"
    finally:
        child.join()
    assert child.exitcode == 0


def test_text_corpus_and_its_parse_match_an_uncached_read(tmp_path):
    text = tmp_path / "corpus.txt"
    text.write_text(SAMPLE_TEXT)
    cached = BuildConfig(text=text, out=tmp_path / "out", syntax_sentences=4)
    uncached = BuildConfig(text=text, out=tmp_path / "out2", syntax_sentences=4, cache=False)
    corpus = corpus_documents(cached)
    docs, inputs = corpus.documents, corpus.inputs
    assert docs == parse_documents(SAMPLE_TEXT)
    parsed = parsed_sentences(cached, docs, inputs)
    assert parsed_sentences(cached, docs, inputs) == parsed  # from the entry
    assert parsed_sentences(uncached, docs, inputs) == parsed
    assert parsed[1] == 4 and len(parsed[0]) >= 4
    assert len(list((tmp_path / "out" / ".headatlas-cache" / "text").glob("*.pickle"))) == 1
    assert not (tmp_path / "out2" / ".headatlas-cache").exists()


def test_wikipedia_sample_from_the_cache_equals_a_fresh_read(tmp_path):
    config = BuildConfig(out=tmp_path)
    corpus = corpus_documents(config)
    docs, description, inputs = corpus.documents, corpus.description, corpus.inputs
    again = corpus_documents(config).documents
    assert docs == again == read_wikipedia()
    assert "Wikipedia" in description and len(inputs) == 1


@pytest.mark.parametrize("wait", [0.0, 0.3])
def test_read_ahead_stopped_at_any_point_leaves_only_whole_entries(tmp_path, wait):
    text = tmp_path / "corpus.txt"
    text.write_text(SAMPLE_TEXT * 5)
    config = BuildConfig(text=text, out=tmp_path / "out", syntax_sentences=20)
    reader = read_ahead(config)
    assert reader is not None
    time.sleep(wait)
    reader.stop()
    folder = tmp_path / "out" / ".headatlas-cache" / "text"
    assert not list(folder.glob("*.tmp-*"))
    for entry in folder.glob("*.pickle"):
        pickle.loads(entry.read_bytes())


def test_read_ahead_fills_the_cache_the_build_then_reads(tmp_path, monkeypatch):
    text = tmp_path / "corpus.txt"
    text.write_text(SAMPLE_TEXT)
    config = BuildConfig(text=text, out=tmp_path / "out", syntax_sentences=4)
    reader = read_ahead(config)
    assert reader is not None
    reader.child.join(120)
    reader.stop()
    assert reader.child.exitcode == 0
    corpus = corpus_documents(config)
    docs, inputs = corpus.documents, corpus.inputs

    def fail(*_args):
        raise AssertionError("parsed again")

    monkeypatch.setattr(text_cache, "parse_sentences", fail)
    sentences, parsed = parsed_sentences(config, docs, inputs)
    assert parsed == 4 and sentences


def test_no_read_ahead_without_cache_prebuilt_segments_or_unparsed_text(tmp_path):
    assert read_ahead(BuildConfig(out=tmp_path, cache=False)) is None
    assert read_ahead(BuildConfig(out=tmp_path, segments=tmp_path / "s.json")) is None
    assert read_ahead(BuildConfig(out=tmp_path, text=tmp_path / "t.txt",
                                  treebank=[tmp_path / "t.conllu"])) is None


def test_only_the_most_recently_used_entries_are_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(text_cache, "KEEP", 3)
    cache = TextCache(tmp_path)
    for n in range(5):
        cache.get({"kind": "x", "n": n}, lambda n=n: n)
        time.sleep(0.02)
    cache.get({"kind": "x", "n": 0}, lambda: "made again")  # gone: made again
    time.sleep(0.02)
    cache.get({"kind": "x", "n": 3}, lambda: "made again")  # kept: read (and touched)
    entries = list((tmp_path / "text").glob("*.pickle"))
    assert len(entries) == 3
    assert sorted(pickle.loads(e.read_bytes()) for e in entries if
                  not isinstance(pickle.loads(e.read_bytes()), str)) == [3, 4]


def test_read_ahead_ends_when_the_build_process_is_killed(tmp_path):
    """SIGKILL leaves the build no chance to stop the child: the kernel ends it (Linux)."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    text = tmp_path / "corpus.txt"
    text.write_text(SAMPLE_TEXT * 3000)  # parsing it all takes minutes
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from generator.config import BuildConfig\n"
        "from generator.corpus.text_cache import read_ahead\n"
        f"reader = read_ahead(BuildConfig(text=Path({str(text)!r}), out=Path({str(tmp_path)!r}),"
        " syntax_sentences=50000))\n"
        "print(reader.child.pid, flush=True)\n"
        "time.sleep(60)\n")
    root = Path(__file__).resolve().parents[3]
    build = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(root)})
    child = int(build.stdout.readline())
    time.sleep(0.5)
    build.send_signal(signal.SIGKILL)
    build.wait()
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    raise AssertionError("the read-ahead child outlived the build")
