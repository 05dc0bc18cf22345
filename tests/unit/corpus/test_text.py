import pytest

from generator.corpus.text import parse_documents, read_text_file, split_sentences
from generator.errors import HeadAtlasError


def test_split_sentences():
    assert split_sentences("It rained. Then it stopped! Did it? yes e.g. this") == [
        "It rained.", "Then it stopped!", "Did it? yes e.g. this"]


def test_documents_by_blank_lines():
    docs = parse_documents("A b. C d.\nE f.\n\n\nG h.\n")
    assert docs == [["A b.", "C d.", "E f."], ["G h."]]


def test_read_errors(tmp_path):
    with pytest.raises(HeadAtlasError, match="file not found"):
        read_text_file(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine line\nsecond \xff\xfe line\n")
    with pytest.raises(HeadAtlasError, match=r"bad.txt:2: not UTF-8"):
        read_text_file(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n")
    with pytest.raises(HeadAtlasError, match="empty"):
        read_text_file(empty)
