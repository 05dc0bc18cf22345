"""Table 3 with the default model: trained on GUM train, scored on EWT dev (SPEC 8).

Training uses a seeded sample of GUM train (TRAIN_SENTENCES of its ~10k sentences) to keep the
test within a few minutes on a 2-core machine; scoring uses all of EWT dev. The full file is a
CLI run: --probe-train-sentences 0.
"""

from pathlib import Path

import pytest

from generator.config import make_config
from generator.model.loading import load_model
from generator.probes.run import run_probes
from generator.timings import Timings

CORPORA = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpora"
TRAIN = CORPORA / "ud-english-gum" / "en_gum-ud-train.conllu"
EVAL = CORPORA / "ud-english-ewt" / "en_ewt-ud-dev.conllu"
TRAIN_SENTENCES = 2000

pytestmark = pytest.mark.slow


@pytest.mark.skipif(not (TRAIN.is_file() and EVAL.is_file()),
                    reason="needs ../shared/corpora (GUM train and EWT dev) beside the repo")
def test_table3_ordering_with_default_model():
    config = make_config({"probe_train": str(TRAIN), "probe_eval": str(EVAL),
                          "probe_train_sentences": TRAIN_SENTENCES})
    doc = run_probes(config, load_model("default"), Timings()).document
    uas = doc["uas"]
    print(f"\nTable 3, default model, {doc['train']['sentences']} GUM train sentences, "
          f"{doc['eval']['sentences']} EWT dev sentences ({doc['eval']['scored_words']} "
          "scored words):")
    for name, value in uas.items():
        print(f"  {name:<22} UAS {100 * value:5.1f}")
    assert doc["train"]["sentences"] > 0.95 * TRAIN_SENTENCES
    assert doc["eval"]["sentences"] > 1900
    assert uas["attn_embeddings"] > uas["distances_embeddings"] > uas["right_branching"]
    assert uas["attn"] > uas["right_branching"]
