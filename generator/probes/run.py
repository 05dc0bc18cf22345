"""The probes step: train on ``probe_train``, score on ``probe_eval``, return probes.json.

Training sentences are shuffled with the build's seed and streamed through the model once (one
epoch); the probes learn as the batches arrive. Runs only when both files are configured.
"""

from __future__ import annotations

import random
from typing import Any

from generator.analyses.base import grid
from generator.config import BuildConfig
from generator.model.loading import LoadedModel
from generator.probes.classifiers import HIDDEN, MAX_OFFSET
from generator.probes.trainer import LEARNING_RATE, UAS, ProbeTrainer
from generator.probes.treebank import load_probe_corpus, stream_probe_sentences
from generator.results import file_digest
from generator.streams.base import StepOutput
from generator.timings import Timings

ROOT_TOKENS = {"encoder": "[CLS] and [SEP]", "decoder": "BOS"}
"""What the ROOT candidate's attention features read, by model kind (generator.probes.features)."""
PROBE_ROWS = (
    ("attn", "Attn",
     "One learned weight per attention map and per transposed map (all layers and heads); "
     "ROOT scored from attention to {root}."),
    ("attn_embeddings", "Attn + embeddings",
     "The weight of each map is a dense layer over the two words' vectors: the model's own "
     "input embeddings, averaged over a word's wordpieces (the paper used GloVe)."),
    ("distances_embeddings", "Distances + embeddings",
     "No attention: an MLP over the offset between the two words and their vectors (same "
     "input embeddings)."),
    ("right_branching", "Right-branching",
     "No learning: every word's head is the next word, the last word is the root."),
)


def run_probes(config: BuildConfig, lm: LoadedModel, timings: Timings) -> StepOutput | None:
    if config.probe_train is None or config.probe_eval is None:
        return None
    common = {"max_len": min(config.max_len, lm.max_positions), "seed": config.seed}
    with timings.stage("probes: read treebanks"):
        train = load_probe_corpus(config.probe_train, lm, limit=config.probe_train_sentences,
                                  **common)
        evaluation = load_probe_corpus(config.probe_eval, lm,
                                       limit=config.probe_eval_sentences, **common)
    features = 2 * lm.num_layers * lm.num_heads
    dim = int(lm.model.get_input_embeddings().weight.shape[1])
    trainer = ProbeTrainer(features, dim, seed=config.seed)
    order = list(range(len(train.segments)))
    random.Random(config.seed).shuffle(order)
    stream = stream_probe_sentences(
        lm, train, order, batch_size=config.batch_size, word_rows=config.word_rows,
        description=f"Training probes on {config.probe_train.name}", timings=timings)
    for sentence in stream:
        with timings.stage("probes: training"):
            trainer.train_step(sentence)
    uas = UAS()
    stream = stream_probe_sentences(
        lm, evaluation, range(len(evaluation.segments)), batch_size=config.batch_size,
        word_rows=config.word_rows, description=f"Scoring probes on {config.probe_eval.name}",
        timings=timings)
    for sentence in stream:
        with timings.stage("probes: scoring"):
            uas.add(sentence, trainer.predict(sentence))
    attn = trainer.models["attn"]
    weights = attn.weights.detach().reshape(2, lm.num_layers, lm.num_heads)
    a, b = attn.root_mix.detach().tolist()
    document: dict[str, Any] = {
        "uas": {name: round(value, 6) for name, value in uas.scores().items()},
        "correct": dict(uas.correct),
        "rows": [{"name": n, "label": label, "description": d.format(root=ROOT_TOKENS[lm.kind])}
                 for n, label, d in PROBE_ROWS],
        "train": train.describe(),
        "eval": evaluation.describe(),
        "attn_weights": {
            "dependent_to_head": grid(weights[0]),
            "head_to_dependent": grid(weights[1]),
            "root_cls": round(a, 6),
            "root_sep": round(b, 6),
        },
        "settings": {
            "optimizer": "Adam", "learning_rate": LEARNING_RATE, "epochs": 1,
            "batch": "one sentence", "seed": config.seed, "word_rows": config.word_rows,
            "max_len": common["max_len"], "punctuation": "UPOS PUNCT excluded from UAS",
            "embeddings": "the model's own input embeddings, averaged over a word's wordpieces",
            "mlp_hidden": HIDDEN, "max_offset": MAX_OFFSET,
        },
    }
    inputs = {str(p): file_digest(p) for p in (config.probe_train, config.probe_eval)}
    return StepOutput(document=document, inputs=inputs)
