import pytest

from generator.corpus.conllu import parse_feats, read_conllu
from generator.errors import HeadAtlasError

GOOD = """# newdoc id = d1
# sent_id = s1
# text = The cat sat.
1-2\tThecat\t_\t_\t_\t_\t_\t_\t_\t_
1\tThe\tthe\tDET\tDT\tDefinite=Def\t2\tdet\t_\t_
2\tcat\tcat\tNOUN\tNN\tNumber=Sing\t3\tnsubj\t_\tEntity=(1-animal)
2.1\tghost\t_\t_\t_\t_\t_\t_\t_\t_
3\tsat\tsit\tVERB\tVBD\t_\t0\troot\t_\t_
4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

# sent_id = s2
1\tHi\thi\tINTJ\tUH\t_\t0\troot\t_\t_
"""


def write(tmp_path, text):
    f = tmp_path / "t.conllu"
    f.write_text(text)
    return f


def test_reads_words_and_skips_multiword_and_empty(tmp_path):
    sents = read_conllu(write(tmp_path, GOOD))
    assert len(sents) == 2
    s = sents[0]
    assert s.forms == ["The", "cat", "sat", "."]
    assert s.heads == [1, 2, -1, 2]
    assert [w.deprel for w in s.words] == ["det", "nsubj", "root", "punct"]
    assert s.words[1].feats == {"Number": "Sing"} and s.words[1].misc == "Entity=(1-animal)"
    assert (s.doc_id, s.sent_id, s.text) == ("d1", "s1", "The cat sat.")
    assert sents[1].doc_id == "d1" and sents[1].line == 12


def test_feats():
    assert parse_feats("_") == {}
    assert parse_feats("A=1|B=x") == {"A": "1", "B": "x"}


def bad_line(line5):
    lines = GOOD.splitlines()
    lines[4] = line5
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, message", [
    (bad_line("1\tThe\tthe\tDET\tDT\tDefinite=Def\t2\tdet\t_"),
     r"t.conllu:5: expected 10 tab-separated columns, found 9"),
    (bad_line("1\tThe\tthe\tDET\tDT\t_\tx\tdet\t_\t_"), r"t.conllu:5: HEAD 'x' is not an integer"),
    (bad_line("1\tThe\tthe\tDET\tDT\t_\t9\tdet\t_\t_"),
     r"t.conllu:5: HEAD 9 is beyond the sentence's 4 words"),
    (bad_line("1\tThe\tthe\tDET\tDT\t_\t0\tdet\t_\t_"), r"t.conllu:5: sentence has 2 roots"),
    (bad_line("1\tThe\tthe\tDET\tDT\t_\t1\tdet\t_\t_"), r"t.conllu:5: HEAD values form a cycle"),
    (bad_line("7\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\t_"), r"t.conllu:5: word ID 7 out of order"),
])
def test_errors_name_file_and_line(tmp_path, text, message):
    with pytest.raises(HeadAtlasError, match=message):
        read_conllu(write(tmp_path, text))


def test_not_utf8_and_empty(tmp_path):
    f = tmp_path / "t.conllu"
    f.write_bytes(b"# ok\n1\t\xff\n")
    with pytest.raises(HeadAtlasError, match="t.conllu:2: not UTF-8"):
        read_conllu(f)
    with pytest.raises(HeadAtlasError, match="no sentence"):
        read_conllu(write(tmp_path, "# only a comment\n"))
