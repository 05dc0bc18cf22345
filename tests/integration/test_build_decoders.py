"""Decoder (causal LM) builds end to end (SPEC section 11) on tiny random decoders: every
architecture writes complete results, and general.json / gradients.json equal a plain
recomputation from ``output_attentions=True`` on the same segments."""

from __future__ import annotations

import json
import math

import pytest
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

from generator.cli.main import main
from generator.config import BuildConfig
from generator.model.loading import load_model
from generator.streams.general import prepare_general
from generator.synthetic import synthetic_sequences
from tests.helpers import DECODER_ARCHITECTURES, SAMPLE_TEXT
from tests.integration.analyses.test_coref_build import CONLLU

TREEBANK = "tests/fixtures/syntax_small.conllu"
DECODER_METRICS = {"first", "self", "prev", "punct", "entropy", "entropy_normalised"}
RESULT_FILES = {"general", "examples", "heads", "coref", "syntax", "gradients", "norms"}


@pytest.fixture()
def corpus(tmp_path):
    f = tmp_path / "corpus.txt"
    f.write_text(SAMPLE_TEXT * 3)
    return f


def build(model, out, *extra: str) -> dict[str, dict]:
    assert main(["build", "--model", str(model), "--out", str(out), "--batch-size", "3",
                 "--no-site", *extra]) == 0
    return {p.stem: json.loads(p.read_text()) for p in (out / "results").glob("*.json")}


def shape(grid) -> tuple[int, int]:
    assert len({len(row) for row in grid}) == 1
    return len(grid), len(grid[0])


@pytest.mark.parametrize("kind", DECODER_ARCHITECTURES)
def test_every_decoder_architecture_builds_complete_results(tiny_decoder_dir, corpus, tmp_path,
                                                            kind):
    coref = tmp_path / "coref.conllu"
    coref.write_text(CONLLU)
    docs = build(tiny_decoder_dir(kind), tmp_path / "out", "--text", str(corpus),
                 "--treebank", TREEBANK, "--coref", str(coref), "--max-len", "24",
                 "--gradient-segments", "2", "--min-relation-count", "1", "--no-cache")
    assert set(docs) == RESULT_FILES | {"manifest"}  # no probes for a decoder
    layers, heads = 2, 4
    for name in RESULT_FILES:
        assert docs[name]["model"]["architecture_kind"] == "decoder", name
        assert docs[name]["model"]["architecture"] == kind, name
    manifest = docs["manifest"]
    assert manifest["model"]["kind"] == "decoder" and manifest["settings"]["bos"] == "on"
    assert manifest["settings"]["sink_sample"] == 64

    general = docs["general"]
    assert general["architecture_kind"] == "decoder"
    assert set(general["metrics"]) == DECODER_METRICS == set(general["layer_means"])
    for name, grid in general["metrics"].items():
        assert shape(grid) == (layers, heads), name
        top = 1.0 + 1e-6 if name != "entropy" else math.log(24)
        assert all(0 <= v <= top for row in grid for v in row), name
    segments = general["corpus"]["segments"]
    assert segments > 3 and general["corpus"]["tokens"] <= 24 * segments
    sinks = general["sinks"]
    assert shape(sinks["has_sink"]) == (layers, heads) and len(sinks["layer_rate"]) == layers
    assert shape(sinks["position"]["verdict"]) == (layers, heads)
    assert general["no_bos"]["segments"] == segments  # under 64: every segment, without BOS
    norms = docs["norms"]  # norm-based shares: the same statistics, all rows i >= 1 are shares
    assert set(norms["metrics"]) == {"norm_first", "norm_self", "norm_prev", "norm_punct"}
    assert norms["segments"] == segments and norms["architecture_kind"] == "decoder"
    for name, grid in norms["metrics"].items():
        assert shape(grid) == (layers, heads), name
        assert all(0 <= v <= 1.0 + 1e-6 for row in grid for v in row), name
    assert set(general["no_bos"]["metrics"]) == {"first", "self", "prev", "punct"}
    induction = general["induction"]
    assert shape(induction["induction"]) == shape(induction["duplicate"]) == (layers, heads)
    assert (induction["sequences"], induction["repeat_length"], induction["bos"]) == (100, 50,
                                                                                      True)
    assert len(induction["top_heads"]["induction"]) == layers * heads

    heads_doc = docs["heads"]
    assert heads_doc["attention"] == "causal" and heads_doc["thresholds"]["kind"] == "decoder"
    assert len(heads_doc["labels"]) == len(heads_doc["pattern"]) == layers * heads
    assert set(heads_doc["pattern_scores"]) == {"vertical", "diagonal"}
    assert len(heads_doc["distance"]) == layers * heads and heads_doc["cluster"]

    gradients = docs["gradients"]
    assert gradients["objective"]["name"] == "next_token"
    assert gradients["groups"] == ["first", "punct", "other"]
    for group in gradients["groups"]:
        assert shape(gradients["per_head"][group]) == (layers, heads)
        assert len(gradients["per_layer"][group]) == layers
    assert gradients["segments"] == 2

    syntax = docs["syntax"]
    assert syntax["trees"] == "gold" and syntax["sentences"] + syntax["skipped"] == 7
    assert syntax["sentences"] >= 4  # two are over 24 tokens for the tiny tokenizer
    assert set(syntax["mst"]["uuas"]) == {"undirected"}
    coverage = [r["coverage"] for r in syntax["relations"].values()]
    assert coverage and all(set(c) == {"dep2head", "head2dep"} for c in coverage)
    assert docs["coref"]["mentions"] > 0 and docs["coref"]["windows"] > 0

    example = docs["examples"]["examples"][0]
    assert example["roles"][0] == "bos" and example["positions"][0] == 0


@pytest.mark.slow
@pytest.mark.parametrize("kind", DECODER_ARCHITECTURES)
def test_every_decoder_architecture_builds_a_site(tiny_decoder_dir, corpus, tmp_path, kind):
    """The whole build, pages and MkDocs site included (issue 18: tiny random models of each
    listed architecture build a full site), in decoder words."""
    coref = tmp_path / "coref.conllu"
    coref.write_text(CONLLU)
    out = tmp_path / "out"
    assert main(["build", "--model", str(tiny_decoder_dir(kind)), "--out", str(out),
                 "--text", str(corpus), "--treebank", TREEBANK, "--coref", str(coref),
                 "--max-len", "24", "--max-segments", "4", "--gradient-segments", "2",
                 "--sink-sample", "2", "--min-relation-count", "1", "--batch-size", "4",
                 "--no-cache", "--no-offline-site"]) == 0
    site = out / "site"
    for page in ("index", "analyses/general", "analyses/induction", "analyses/syntax",
                 "analyses/coref", "analyses/gradients", "analyses/heads", "heads/L1-H3",
                 "layers/L1"):
        assert (site / f"{page}.html").is_file(), page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "sink" in home
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "[CLS]" not in text and "[SEP]" not in text, page


# ---- a straightforward recomputation on the same segments

TEXTS = ("The cat saw the dog. The dog saw the cat, and it went to the house.",
         "John said the king was old.",
         "Mary made a new book in London, and the woman went to Paris.",
         "She said the city was big. They saw one tree, two trees and three cars.",
         "He has a small car.")


def segments_file(tmp_path, tokenizer) -> tuple[object, list[list[int]]]:
    """A --segments file mixing "tokens" lists (taken as given: one with BOS, one without) and
    "text" entries (BOS added), and the ids the model must see for each."""
    bos = tokenizer.eos_token_id  # GPT-2 style: <|endoftext|>, no BOS of its own
    items, expected = [], []
    for k, text in enumerate(TEXTS):
        body = tokenizer(text, add_special_tokens=False)["input_ids"]
        if k == 1:
            items.append({"tokens": tokenizer.convert_ids_to_tokens([bos, *body])})
            expected.append([bos, *body])
        elif k == 3:
            items.append({"tokens": tokenizer.convert_ids_to_tokens(body)})
            expected.append(list(body))
        else:
            items.append({"text": text})
            expected.append([bos, *body])
    f = tmp_path / "segments.json"
    f.write_text(json.dumps(items))
    return f, expected


def attentions(model, ids: list[int]) -> torch.Tensor:
    """[L, H, n, n] of one segment run alone, float64."""
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), output_attentions=True)
    return torch.stack(out.attentions, dim=1)[0].double()


def plain_statistics(maps: list[torch.Tensor], punct: list[list[bool]]) -> dict[str, list]:
    """SPEC section 11's surface statistics and entropy with plain loops, rows i >= 1."""
    layers, heads = maps[0].shape[:2]
    sums = {name: [[0.0] * heads for _ in range(layers)] for name in DECODER_METRICS}
    for a, is_punct in zip(maps, punct, strict=True):
        n = a.shape[-1]
        for layer in range(layers):
            for head in range(heads):
                row_values = {name: [] for name in DECODER_METRICS}
                for i in range(1, n):
                    row = [float(a[layer, head, i, j]) for j in range(n)]
                    row_values["first"].append(row[0])
                    row_values["self"].append(row[i])
                    row_values["prev"].append(row[i - 1])
                    row_values["punct"].append(sum(row[j] for j in range(i + 1) if is_punct[j]))
                    smoothed = [0.9999 * row[j] + 0.0001 / (i + 1) for j in range(i + 1)]
                    h = -sum(p * math.log(p) for p in smoothed)
                    row_values["entropy"].append(h)
                    row_values["entropy_normalised"].append(h / math.log(i + 1))
                for name, values in row_values.items():
                    sums[name][layer][head] += sum(values) / len(values) / len(maps)
    return sums


def is_punct(tokenizer, ids: list[int]) -> list[bool]:
    specials = set(tokenizer.all_special_ids)
    return [i not in specials and tokenizer.convert_tokens_to_string(
        [tokenizer.convert_ids_to_tokens(i)]).strip() in {".", ","} for i in ids]


def assert_grids(got, expected, atol=1e-5, name=""):
    for layer, row in enumerate(expected):
        for head, value in enumerate(row):
            assert got[layer][head] == pytest.approx(value, abs=atol), (name, layer, head)


@pytest.mark.parametrize("kind", ["mistral", "gpt2"])
def test_results_equal_a_plain_recomputation(tiny_decoder_dir, tmp_path, kind):
    """Segments of several lengths in batches of 3 (right padding; mistral's sliding window
    leaves padded rows that extraction must zero); the reference runs each segment alone."""
    folder = tiny_decoder_dir(kind)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    f, expected_ids = segments_file(tmp_path, tokenizer)
    docs = build(folder, tmp_path / "out", "--segments", str(f), "--gradient-segments", "5",
                 "--max-len", "64")
    model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager").eval()
    base = model.base_model
    maps = [attentions(base, ids) for ids in expected_ids]
    general = docs["general"]
    assert general["corpus"]["segments"] == len(TEXTS)
    assert general["corpus"]["tokens"] == sum(len(ids) for ids in expected_ids)
    expected = plain_statistics(maps, [is_punct(tokenizer, ids) for ids in expected_ids])
    for name in DECODER_METRICS:
        assert_grids(general["metrics"][name], expected[name], name=name)
    uniform = sum(sum(math.log(i + 1) for i in range(1, len(ids))) / (len(ids) - 1)
                  for ids in expected_ids) / len(expected_ids)
    assert general["reference"]["uniform_entropy"] == pytest.approx(uniform, abs=1e-6)

    # no BOS: the segments that start with it (all but segment 3), without it
    with_bos = [ids for ids in expected_ids if ids[0] == tokenizer.eos_token_id]
    assert general["no_bos"]["segments"] == len(with_bos) == len(TEXTS) - 1
    plain = plain_statistics([attentions(base, ids[1:]) for ids in with_bos],
                             [is_punct(tokenizer, ids[1:]) for ids in with_bos])
    for name in ("first", "self", "prev", "punct"):
        assert_grids(general["no_bos"]["metrics"][name], plain[name], name=f"no_bos {name}")

    # induction: 100 seeded [BOS] + R + R, R drawn from the ids that are no special or added token
    excluded = set(tokenizer.all_special_ids) | set(tokenizer.added_tokens_decoder)
    allowed = [i for i in range(len(tokenizer)) if i not in excluded]
    sequences = synthetic_sequences(allowed, 100, 50, seed=0, bos_id=tokenizer.eos_token_id)
    with torch.no_grad():
        out = base(input_ids=torch.tensor(sequences), output_attentions=True)
    a = torch.stack(out.attentions, dim=1).double()  # [100, L, H, 101, 101]
    rows = range(51, 101)
    induction = [[float(sum(a[:, layer, head, i, i - 49].mean() for i in rows) / 50)
                  for head in range(a.shape[2])] for layer in range(a.shape[1])]
    duplicate = [[float(sum(a[:, layer, head, i, i - 50].mean() for i in rows) / 50)
                  for head in range(a.shape[2])] for layer in range(a.shape[1])]
    assert_grids(general["induction"]["induction"], induction, name="induction")
    assert_grids(general["induction"]["duplicate"], duplicate, name="duplicate")

    # gradients: every segment (5 of 5), transformers' own next-token loss per segment
    gradients = docs["gradients"]
    layers, heads = a.shape[1], a.shape[2]
    sums = {g: [[0.0] * heads for _ in range(layers)] for g in ("first", "punct", "other")}
    counts = dict.fromkeys(sums, 0)
    for ids in expected_ids:
        x = torch.tensor([ids])
        out = model(input_ids=x, labels=x, output_attentions=True)
        grads = torch.autograd.grad(out.loss, out.attentions)
        punct = is_punct(tokenizer, ids)
        groups = {"first": [(i, 0) for i in range(1, len(ids))],
                  "punct": [(i, j) for i in range(1, len(ids)) for j in range(1, i + 1)
                            if punct[j]],
                  "other": [(i, j) for i in range(1, len(ids)) for j in range(1, i + 1)
                            if not punct[j]]}
        for group, pairs in groups.items():
            if not pairs:
                continue
            counts[group] += 1
            for layer in range(layers):
                for head in range(heads):
                    g = grads[layer][0, head]
                    sums[group][layer][head] += sum(abs(float(g[i, j])) for i, j in pairs) / len(
                        pairs)
    assert gradients["segments_with_group"] == counts
    for group, grid in sums.items():
        for layer in range(layers):
            for head in range(heads):
                value = grid[layer][head] / counts[group]
                assert gradients["per_head"][group][layer][head] == pytest.approx(
                    value, rel=1e-4, abs=1e-9), (group, layer, head)


def test_bos_off_starts_with_a_word(tiny_decoder_dir, corpus, tmp_path):
    folder = tiny_decoder_dir("llama")
    config = BuildConfig(model=str(folder), text=corpus, max_len=24, bos="off",
                         out=tmp_path / "out")
    lm = load_model(str(folder), decoders=True, bos="off")
    segments = prepare_general(config, lm).segments
    bos = lm.tokenizer.eos_token_id
    assert all(s.input_ids[0] != bos and len(s) == 24 for s in segments)  # 24 text tokens
    docs = build(folder, tmp_path / "out", "--text", str(corpus), "--max-len", "24",
                 "--bos", "off", "--gradient-segments", "2")
    general = docs["general"]
    assert docs["manifest"]["settings"]["bos"] == "off"
    assert general["corpus"]["tokens"] == sum(len(s) for s in segments)
    assert "no_bos" not in general and "position" not in general["sinks"]
    assert general["induction"]["bos"] is False and general["induction"]["repeat_length"] == 50
    assert docs["examples"]["examples"][0]["roles"][0] == "word"
    assert docs["gradients"]["segments_with_group"]["first"] == 2


def test_sink_sample_zero_skips_the_no_bos_run(tiny_decoder_dir, corpus, tmp_path):
    docs = build(tiny_decoder_dir("gpt2"), tmp_path / "out", "--text", str(corpus),
                 "--max-len", "24", "--sink-sample", "0", "--gradient-segments", "0")
    general = docs["general"]
    assert "no_bos" not in general and "position" not in general["sinks"]
    assert "has_sink" in general["sinks"] and "gradients" not in docs
    assert docs["manifest"]["settings"]["sink_sample"] == 0


def test_sink_sample_draws_a_seeded_sample(tiny_decoder_dir, corpus, tmp_path):
    docs = build(tiny_decoder_dir("gpt2"), tmp_path / "out", "--text", str(corpus),
                 "--max-len", "24", "--sink-sample", "3", "--gradient-segments", "0")
    assert docs["general"]["no_bos"]["segments"] == 3
    assert docs["general"]["sinks"]["position"]["with_bos"] == docs["general"]["metrics"]["first"]


def test_a_rebuild_reads_every_decoder_stream_from_the_cache(tiny_decoder_dir, corpus, tmp_path,
                                                             monkeypatch):
    """A decoder build caches five streams (general, coref, syntax, synthetic, no-BOS): the
    cache keeps them all, so a rebuild runs the model on none of them."""
    import generator.model.extraction as extraction

    coref = tmp_path / "coref.conllu"
    coref.write_text(CONLLU)
    args = ("--text", str(corpus), "--treebank", TREEBANK, "--coref", str(coref),
            "--max-len", "24", "--gradient-segments", "0")
    first = build(tiny_decoder_dir("llama"), tmp_path / "out", *args)
    entries = list((tmp_path / "out" / ".headatlas-cache" / "attention").iterdir())
    assert len(entries) == 5
    calls: list[int] = []
    real = extraction.run_batch

    def run_batch(lm, segments, indices, timings=None, **options):
        calls.append(len(indices))
        return real(lm, segments, indices, timings, **options)

    monkeypatch.setattr(extraction, "run_batch", run_batch)
    again = build(tiny_decoder_dir("llama"), tmp_path / "out", *args)
    assert calls == []
    assert {k: v for k, v in again.items() if k != "manifest"} == {
        k: v for k, v in first.items() if k != "manifest"}
