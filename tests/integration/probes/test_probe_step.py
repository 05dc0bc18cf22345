"""The probes step on a tiny random model and small hand-written treebanks (SPEC 8)."""

import random
from pathlib import Path

import pytest

from generator.config import load_config, make_config
from generator.errors import HeadAtlasError
from generator.model.loading import load_model
from generator.probes.run import run_probes
from generator.timings import Timings

WORDS = "the cat dog man woman saw said went made big small old new house city".split()


def write_treebank(path: Path, sentences: int, seed: int) -> list[tuple[list[int], list[str]]]:
    """Random projective-ish trees (each word attaches to an earlier word or to the root) with
    a final "." attached to the root word; returns (heads 0-based, upos) per sentence."""
    rng = random.Random(seed)
    lines, gold = [], []
    for s in range(sentences):
        n = rng.randint(2, 8)
        root = rng.randrange(n)
        heads = [-1 if i == root else rng.choice([j for j in range(n) if j != i])
                 for i in range(n)]
        # make it a tree: attach every non-root word to the root if a cycle would form
        for i in range(n):
            seen, node = set(), i
            while node != -1 and node not in seen:
                seen.add(node)
                node = heads[node]
            if node != -1:
                heads[i] = root
        heads.append(root)
        upos = ["NOUN"] * n + ["PUNCT"]
        forms = [rng.choice(WORDS) for _ in range(n)] + ["."]
        lines.append(f"# sent_id = s{s}")
        for i, (form, head, tag) in enumerate(zip(forms, heads, upos, strict=True)):
            deprel = "root" if head == -1 else ("punct" if tag == "PUNCT" else "dep")
            lines.append(f"{i + 1}\t{form}\t{form}\t{tag}\t_\t_\t{head + 1}\t{deprel}\t_\t_")
        lines.append("")
        gold.append((heads, upos))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return gold


def right_branching_uas(gold) -> float:
    correct = total = 0
    for heads, upos in gold:
        n = len(heads)
        for i, (h, tag) in enumerate(zip(heads, upos, strict=True)):
            if tag == "PUNCT":
                continue
            total += 1
            correct += h == (i + 1 if i < n - 1 else -1)
    return correct / total


def test_probes_step(tiny_bert, tmp_path):
    train = tmp_path / "train.conllu"
    evaluation = tmp_path / "eval.conllu"
    write_treebank(train, 40, seed=1)
    gold = write_treebank(evaluation, 25, seed=2)
    lm = load_model(str(tiny_bert))
    config = make_config({"probe_train": str(train), "probe_eval": str(evaluation),
                          "batch_size": 8})
    out = run_probes(config, lm, Timings())
    doc = out.document
    assert set(doc["uas"]) == {"attn", "attn_embeddings", "distances_embeddings",
                               "right_branching"}
    assert doc["uas"]["right_branching"] == pytest.approx(right_branching_uas(gold), abs=1e-6)
    assert all(0 <= v <= 1 for v in doc["uas"].values())
    assert doc["train"]["sentences"] == 40 and doc["eval"]["sentences"] == 25
    assert doc["eval"]["scored_words"] == sum(len(h) - 1 for h, _ in gold)
    weights = doc["attn_weights"]
    for direction in ("dependent_to_head", "head_to_dependent"):
        assert len(weights[direction]) == lm.num_layers
        assert all(len(row) == lm.num_heads for row in weights[direction])
    assert any(v != 0 for row in weights["dependent_to_head"] for v in row)  # it trained
    assert [r["name"] for r in doc["rows"]] == ["attn", "attn_embeddings",
                                                "distances_embeddings", "right_branching"]
    assert set(out.inputs) == {str(train), str(evaluation)}
    # seeded: the same inputs give the same document
    assert run_probes(config, lm, Timings()).document == doc


def test_sampling_and_too_long_sentences(tiny_bert, tmp_path):
    train = tmp_path / "train.conllu"
    gold = write_treebank(train, 30, seed=3)
    lm = load_model(str(tiny_bert))
    config = make_config({"probe_train": str(train), "probe_eval": str(train),
                          "probe_train_sentences": 10, "max_len": 8})
    doc = run_probes(config, lm, Timings()).document
    assert doc["train"]["sentences_sampled"] == 10
    assert doc["train"]["sentences"] + doc["train"]["skipped_too_long"] == 10
    # eval reads all 30: a sentence is too long when its pieces and [CLS] [SEP] exceed 8
    forms = [line.split("\t")[1] for line in train.read_text().splitlines() if "\t" in line]
    lengths = [len(heads) for heads, _ in gold]
    starts = [sum(lengths[:k]) for k in range(len(lengths))]
    pieces = [sum(len(lm.tokenizer.tokenize(w)) for w in forms[a : a + n])
              for a, n in zip(starts, lengths, strict=True)]
    fits = [p + 2 <= 8 for p in pieces]
    assert 0 < fits.count(False) < 30  # both kinds occur
    assert doc["eval"]["sentences_sampled"] == 30
    assert doc["eval"]["skipped_too_long"] == fits.count(False)
    assert doc["eval"]["sentences"] == fits.count(True)
    assert doc["eval"]["words"] == sum(n for n, ok in zip(lengths, fits, strict=True) if ok)
    assert doc["eval"]["scored_words"] == doc["eval"]["words"] - fits.count(True)  # "." each


def test_probes_off_without_files(tiny_bert):
    assert run_probes(make_config({}), load_model(str(tiny_bert)), Timings()) is None


def test_both_files_needed(tmp_path):
    with pytest.raises(HeadAtlasError, match="both --probe-train and --probe-eval"):
        load_config(None, {"probe_train": str(tmp_path / "a.conllu")})


def test_bad_treebank_names_file_and_line(tiny_bert, tmp_path):
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tthe\tthe\tDET\t_\t_\tx\tdet\t_\t_\n\n", encoding="utf-8")
    config = make_config({"probe_train": str(bad), "probe_eval": str(bad)})
    with pytest.raises(HeadAtlasError) as err:
        run_probes(config, load_model(str(tiny_bert)), Timings())
    assert str(err.value).startswith(f"{bad}:1: ")
