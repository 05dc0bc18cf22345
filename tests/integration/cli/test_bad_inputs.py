"""Every bad input of issue 9 through the CLI: exit status 2, one line naming the file and line
(or the flag or config key) and what is wrong, no traceback, and the previous results untouched.

One good build is made per module; every bad build then targets the same OUT folder.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from generator.cli.main import main
from tests.helpers import SAMPLE_TEXT

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GOOD_CONLLU = (FIXTURES / "syntax_small.conllu").read_text()
# [The man [who]] saw [his [dog]] . [He] smiled .   entity 1 = the man, his, he
COREF_ROWS = [
    [("The", "DT", 2, "(1-person"), ("man", "NN", 4, ""), ("who", "WP", 2, "(9-person)1)"),
     ("saw", "VBD", 0, ""), ("his", "PRP$", 6, "(2-animal(1-person)"),
     ("dog", "NN", 4, "(3-animal)2)"), (".", ".", 4, "")],
    [("He", "PRP", 2, "(1-person)"), ("smiled", "VBD", 0, ""), (".", ".", 2, "")],
]
SMALL = ["--max-len", "24", "--gradient-segments", "0", "--distance-rows", "100", "--no-site"]


def coref_conllu(rows=COREF_ROWS) -> str:
    lines = ["# newdoc id = d1"]
    for sentence in rows:
        for i, (form, xpos, head, entity) in enumerate(sentence, start=1):
            misc = f"Entity={entity}" if entity else "_"
            lines.append(f"{i}\t{form}\t{form}\tX\t{xpos}\t_\t{head}\tdep\t_\t{misc}")
        lines.append("")
    return "\n".join(lines) + "\n"


def with_cell(text: str, line: int, column: int, value: str) -> str:
    """``text`` with one cell (1-based line, 0-based column) replaced."""
    lines = text.splitlines()
    cols = lines[line - 1].split("\t")
    cols[column] = value
    lines[line - 1] = "\t".join(cols)
    return "\n".join(lines) + "\n"


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def previous(tiny_bert, tmp_path_factory):
    """OUT holding a previous good build (text, treebank and coref), and its inputs folder."""
    inputs = tmp_path_factory.mktemp("inputs")
    (inputs / "good.txt").write_text(SAMPLE_TEXT)
    (inputs / "good.conllu").write_text(GOOD_CONLLU)
    (inputs / "coref.conllu").write_text(coref_conllu())
    out = tmp_path_factory.mktemp("out")
    status = main(["build", "--model", str(tiny_bert), "--out", str(out),
                   "--text", str(inputs / "good.txt"), "--treebank", str(inputs / "good.conllu"),
                   "--coref", str(inputs / "coref.conllu"), *SMALL])
    assert status == 0
    assert {"general.json", "syntax.json", "coref.json", "manifest.json"} <= {
        p.name for p in (out / "results").iterdir()}
    return out, inputs


def bad_build(capsys, tiny_bert, previous, *args: str, model: str | None = None) -> str:
    """Run a build that must fail; check status, one line, no traceback, nothing lost; return
    the line."""
    out, _ = previous
    before = digests(out)
    capsys.readouterr()
    status = main(["build", "--model", model or str(tiny_bert), "--out", str(out), *SMALL, *args])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("headatlas: error: ")
    after = digests(out)
    # Results and every earlier cache entry untouched. The only new files may be whole entries
    # of the plain-text cache (valid for their key: made by the read-ahead before the error).
    assert {k: v for k, v in after.items() if k in before} == before
    new = [k for k in after if k not in before]
    assert all(k.startswith(".headatlas-cache/text/") and ".tmp-" not in k for k in new), new
    return err.strip().removeprefix("headatlas: error: ")


def write(previous, name: str, content: str | bytes) -> Path:
    path = previous[1] / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def good_text(previous) -> list[str]:
    return ["--text", str(previous[1] / "good.txt")]


def test_missing_file(capsys, tiny_bert, previous):
    missing = previous[1] / "nope.txt"
    assert bad_build(capsys, tiny_bert, previous, "--text", str(missing)) == (
        f"{missing}: file not found")


def test_missing_treebank(capsys, tiny_bert, previous):
    missing = previous[1] / "nope.conllu"
    assert bad_build(capsys, tiny_bert, previous, *good_text(previous), "--treebank",
                     str(missing)) == f"{missing}: file not found"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="file permissions do not stop root from reading")
def test_unreadable_file(capsys, tiny_bert, previous):
    f = write(previous, "locked.txt", SAMPLE_TEXT)
    f.chmod(0)
    try:
        line = bad_build(capsys, tiny_bert, previous, "--text", str(f))
    finally:
        f.chmod(0o644)
    assert line == f"{f}: cannot read file: Permission denied"


def test_unreadable_file_as_root(capsys, tiny_bert, previous, monkeypatch):
    """Root reads any file, so the permission error is raised where the reader reads."""
    f = write(previous, "locked2.txt", SAMPLE_TEXT)
    read_bytes = Path.read_bytes

    def locked(self):
        if self == f:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", locked)
    assert bad_build(capsys, tiny_bert, previous, "--text", str(f)) == (
        f"{f}: cannot read file: Permission denied")


def test_not_utf8_text(capsys, tiny_bert, previous):
    f = write(previous, "latin1.txt", "The cat.\nCaf\xe9 au lait.\n".encode("latin-1"))
    assert bad_build(capsys, tiny_bert, previous, "--text", str(f)) == (
        f"{f}:2: not UTF-8 text (byte 12); save the file as UTF-8")


def test_not_utf8_treebank(capsys, tiny_bert, previous):
    f = write(previous, "latin1.conllu", GOOD_CONLLU.replace("The cat", "Th\xe9 cat")
              .encode("latin-1"))
    assert bad_build(capsys, tiny_bert, previous, *good_text(previous), "--treebank",
                     str(f)) == f"{f}:3: not UTF-8 text (byte 48); save the file as UTF-8"


def test_empty_text_corpus(capsys, tiny_bert, previous):
    f = write(previous, "blank.txt", "\n\n   \n\t\n")
    assert bad_build(capsys, tiny_bert, previous, "--text", str(f)) == (
        f"{f}: the corpus is empty")


def test_empty_treebank(capsys, tiny_bert, previous):
    f = write(previous, "empty.conllu", "")
    assert bad_build(capsys, tiny_bert, previous, *good_text(previous), "--treebank",
                     str(f)) == f"{f}: no sentence found (empty CoNLL-U file?)"


# Line 4 of syntax_small.conllu is word 1 of the first sentence ("The", head 2).
@pytest.mark.parametrize("name, content, message", [
    ("columns.conllu", "\n".join(
        line if i != 5 else line.rsplit("\t", 1)[0]
        for i, line in enumerate(GOOD_CONLLU.splitlines(), start=1)) + "\n",
     ":5: expected 10 tab-separated columns, found 9"),
    ("head-word.conllu", with_cell(GOOD_CONLLU, 4, 6, "two"),
     ":4: HEAD 'two' is not an integer"),
    ("head-range.conllu", with_cell(GOOD_CONLLU, 4, 6, "9"),
     ":4: HEAD 9 is beyond the sentence's 6 words"),
    ("head-negative.conllu", with_cell(GOOD_CONLLU, 4, 6, "-1"), ":4: HEAD -1 is negative"),
    ("cycle.conllu", with_cell(GOOD_CONLLU, 5, 6, "1"),
     ":4: HEAD values form a cycle through word 1"),
    ("two-roots.conllu", with_cell(GOOD_CONLLU, 4, 6, "0"),
     ":4: sentence has 2 roots (words 1, 3); expected exactly one HEAD of 0"),
])
def test_broken_treebank(capsys, tiny_bert, previous, name, content, message):
    f = write(previous, name, content)
    assert bad_build(capsys, tiny_bert, previous, *good_text(previous), "--treebank",
                     str(f)) == f"{f}{message}"


def test_broken_entity_brackets(capsys, tiny_bert, previous):
    # The first mention's opening bracket "(1-person" is lost: "1)" on line 4 closes nothing.
    f = write(previous, "entity.conllu", coref_conllu().replace("\tEntity=(1-person\n", "\t_\n"))
    assert bad_build(capsys, tiny_bert, previous, *good_text(previous), "--coref", str(f)) == (
        f"{f}:4: Entity= closes 1) with no open mention of it")


def test_unknown_config_key_suggests(capsys, tiny_bert, previous):
    f = write(previous, "typo.toml", "max_lenght = 24\n")
    assert bad_build(capsys, tiny_bert, previous, "--config", str(f)) == (
        f"{f}: unknown config key 'max_lenght' (did you mean 'max_len'?)")


def test_wrong_type_in_toml(capsys, tiny_bert, previous):
    f = write(previous, "type.toml", 'max_len = "24"\n')
    assert bad_build(capsys, tiny_bert, previous, "--config", str(f)) == (
        f"{f}: 'max_len' must be an integer, got '24'")


def test_wrong_type_of_flag(capsys, tiny_bert, previous):
    line = bad_build(capsys, tiny_bert, previous, "--max-len", "many")
    assert line == ("Invalid value for '--max-len': Input should be a valid integer, unable to "
                    "parse string as an integer (see: headatlas build --help)")


def test_unknown_flag(capsys, tiny_bert, previous):
    line = bad_build(capsys, tiny_bert, previous, "--max-lenght", "24")
    assert line.startswith("No such option: --max-lenght")
    assert line.endswith("(see: headatlas build --help)")


def test_model_not_available_offline(capsys, tiny_bert, previous, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # huggingface_hub reads the variable once, at import: set what it read too.
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_OFFLINE", True)
    line = bad_build(capsys, tiny_bert, previous, model="nobody/no-such-model")
    assert line == ("--model: model 'nobody/no-such-model' is not available: not a local "
                    "folder and not in the Hugging Face cache (offline mode)")


def test_unsupported_architecture(capsys, tiny_bert, previous, tmp_path):
    from transformers import DebertaConfig, DebertaModel

    DebertaModel(DebertaConfig(num_hidden_layers=1, num_attention_heads=2, hidden_size=8,
                               intermediate_size=16, vocab_size=50)).save_pretrained(tmp_path)
    line = bad_build(capsys, tiny_bert, previous, model=str(tmp_path))
    assert line.startswith(f"--model {tmp_path}: model architecture 'deberta' is not "
                           "supported yet")


def test_model_without_attention_weights(capsys, tiny_bert, previous, monkeypatch):
    """A model whose forward ignores output_attentions (as some remote-code models do) is caught
    by the load-time probe, before any corpus is read."""
    from transformers.models.bert import modeling_bert

    original = modeling_bert.BertModel.forward

    def forward(self, *args, **kwargs):
        out = original(self, *args, **kwargs)
        out.attentions = None
        return out

    monkeypatch.setattr(modeling_bert.BertModel, "forward", forward)
    line = bad_build(capsys, tiny_bert, previous, *good_text(previous))
    assert line == (f"--model: model '{tiny_bert}' does not return attention weights "
                    "(output_attentions=True gave none)")


def test_debug_shows_the_traceback(tiny_bert, previous):
    from generator.errors import HeadAtlasError

    with pytest.raises(HeadAtlasError, match="file not found"):
        main(["build", "--model", str(tiny_bert), "--out", str(previous[0]), "--text",
              str(previous[1] / "nope.txt"), "--debug", *SMALL])


def test_over_long_treebank_sentence_is_skipped_and_counted(capsys, tiny_bert, previous,
                                                            tmp_path):
    long_sentence = "\n".join(f"{i}\tcat\tcat\tX\tXX\t_\t{0 if i == 1 else 1}\tdep\t_\t_"
                              for i in range(1, 100))
    f = write(previous, "long.conllu", GOOD_CONLLU + "\n# sent_id = long\n" + long_sentence
              + "\n")
    sentences = GOOD_CONLLU.count("# sent_id") + 1
    capsys.readouterr()
    status = main(["build", "--model", str(tiny_bert), "--out", str(tmp_path),
                   *good_text(previous), "--treebank", str(f), *SMALL[2:], "--max-len", "64",
                   "--keep-short-segments"])  # good.txt has no full 64-piece segment
    err = capsys.readouterr().err
    assert status == 0, err

    syntax = json.loads((tmp_path / "results" / "syntax.json").read_text())
    assert syntax["skipped"] == 1
    assert syntax["syntax_corpus"]["sentences_read"] == sentences
    assert syntax["sentences"] == sentences - 1
    assert (f"syntax: skipped 1 of {sentences} sentences longer than --max-len 64 wordpieces "
            "(counted in syntax.json)") in err


# --- Mistakes a new user makes: each ends in one clear line (or a sensible success). ---

def conll2012(truncated: bool = False) -> str:
    doc = "bc/test/00/t_0000"
    words = [("The", "DT", "(1"), ("old", "JJ", "-"), ("man", "NN", "1)"), ("slept", "VBD", "-")]
    lines = ["#begin document (bc/test/00/t_0000); part 000"]
    lines += [f"{doc}  0  {i}  {form}  {xpos}  *  -  -  -  Speaker#1  *  {coref}"
              for i, (form, xpos, coref) in enumerate(words)]
    lines += ["", *rows_of_he(doc), ""]
    if not truncated:
        lines.append("#end document")
    return "\n".join(lines) + "\n"


def rows_of_he(doc: str) -> list[str]:
    return [f"{doc}  0  0  He  PRP  *  -  -  -  Speaker#1  *  (1)",
            f"{doc}  0  1  dreamt  VBD  *  -  -  -  Speaker#1  *  -"]


MISTAKES = {
    # name: (flag, file name, content, expected message after the path)
    "spaces instead of tabs": ("--treebank", "spaces.conllu", GOOD_CONLLU.replace("\t", " "),
                               ":4: expected 10 tab-separated columns, found 1 (columns separated "
                               "by spaces? CoNLL-U needs tabs)"),
    "Windows-1252 text": ("--text", "notes.txt", "He said \u201chello\u201d.\n".encode("cp1252"),
                          ":1: not UTF-8 text (byte 8); save the file as UTF-8"),
    "CoNLL-U given as text": ("--text", "train.conllu", GOOD_CONLLU,
                              ":4: this looks like a CoNLL-U file (tab-separated columns), not "
                              "plain text: pass it with --treebank or --coref"),
    "plain text given as treebank": ("--treebank", "story.txt", SAMPLE_TEXT,
                                     ":1: expected 10 tab-separated columns, found 1 (is this "
                                     "plain text? pass plain text with --text)"),
    "CoNLL-2012 given as treebank": ("--treebank", "dev.v4_gold_conll", conll2012(),
                                     ":2: expected 10 tab-separated columns, found 1 (this looks "
                                     "like a CoNLL-2012 file: pass it with --coref)"),
    "CoNLL-2012 without #end document, odd extension": (
        "--coref", "dev.txt", conll2012(truncated=True),
        ":1: document never ends (no #end document)"),
    "CoNLL-2012 given as text": ("--text", "dev.v4_gold_conll", conll2012(),
                                 ":1: this looks like a CoNLL-2012 file, not plain text: pass it "
                                 "with --coref"),
    "TOML syntax error": ("--config", "build.toml", "max_len = 24\nbatch_size = \n",
                          ":2: invalid TOML: Invalid value"),
    "TOML table": ("--config", "table.toml", "[build]\nmax_len = 24\n",
                   ": 'build' must be a plain key, not a table"),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_new_user_mistakes(capsys, tiny_bert, previous, name):
    flag, file_name, content, message = MISTAKES[name]
    f = write(previous, file_name, content)
    extra = good_text(previous) if flag not in ("--text", "--config") else []
    assert bad_build(capsys, tiny_bert, previous, *extra, flag, str(f)) == f"{f}{message}"


@pytest.mark.parametrize("args, message", [
    (["--max-segments", "-3"], "command line: --max-segments must be at least 1, got -3"),
    (["--batch-size", "0"], "command line: --batch-size must be at least 1, got 0"),
    (["--max-len", "4"], "command line: --max-len must be at least 8, got 4"),
    (["--device", "gpu"],
     "command line: 'device' must be one of 'cpu', 'cuda', 'auto', got 'gpu'"),
    (["--distance-rows", "some"],
     "Invalid value for '--distance-rows': 'some' is not an integer or 'all' "
     "(see: headatlas build --help)"),
    (["--distance-rows", "0"], "command line: --distance-rows must be at least 1, got 0"),
])
def test_bad_flag_values(capsys, tiny_bert, previous, args, message):
    assert bad_build(capsys, tiny_bert, previous, *args) == message


def test_folder_instead_of_a_file(capsys, tiny_bert, previous):
    folder = previous[1]
    assert bad_build(capsys, tiny_bert, previous, "--text", str(folder)) == (
        f"{folder}: is a folder, expected a file")


def test_byte_order_mark_and_windows_line_ends_are_fine(capsys, tiny_bert, previous, tmp_path):
    """Files saved by Windows editors (BOM, CRLF) build like their plain UTF-8 twins."""
    text = write(previous, "bom.txt", b"\xef\xbb\xbf" + SAMPLE_TEXT.replace("\n", "\r\n").encode())
    treebank = write(previous, "bom.conllu",
                     b"\xef\xbb\xbf" + GOOD_CONLLU.replace("\n", "\r\n").encode())
    status = main(["build", "--model", str(tiny_bert), "--out", str(tmp_path), "--text",
                   str(text), "--treebank", str(treebank), *SMALL])
    assert status == 0, capsys.readouterr().err
    syntax = json.loads((tmp_path / "results" / "syntax.json").read_text())
    plain = json.loads((previous[0] / "results" / "syntax.json").read_text())
    assert syntax["syntax_corpus"]["sentences_read"] == plain["syntax_corpus"]["sentences_read"]
    general = json.loads((tmp_path / "results" / "general.json").read_text())
    assert general["corpus"]["tokens"] == json.loads(
        (previous[0] / "results" / "general.json").read_text())["corpus"]["tokens"]
