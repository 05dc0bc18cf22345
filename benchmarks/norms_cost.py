"""What norm-based attention (issue 19, ``--norms``) adds to the general stream, in one process.

The same batches of real general-corpus segments run through ``extraction.run_batch`` with and
without ``norms`` (alternating, so a busy machine slows both alike), then through the general
analyses alone and with ``NormShares``; each is reported as its minimum over the repeats.
Small on purpose (the whole build is ``benchmarks/bench.py``'s job):

    PYTHONPATH=. python benchmarks/norms_cost.py --model default --batches 4 --repeats 3
    PYTHONPATH=. python benchmarks/norms_cost.py --model bert-base   # random BERT-base-sized
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from generator.analyses.base import AnalysisContext
from generator.analyses.registry import analyses_for
from generator.config import BuildConfig
from generator.model.extraction import plan_batches, run_batch
from generator.model.loading import load_model
from generator.streams.general import prepare_general


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="default",
                        help="a model for --model, or bert-base / minilm-sized (random weights)")
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--analyses", default="",
                        help="comma list of general analyses to time (default: all of them)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model in ("bert-base", "minilm-sized"):
            from benchmarks.bench import random_model
            model = str(random_model(Path(tmp) / model, model, None))
        config = BuildConfig(model=model, max_segments=args.batches * args.batch_size)
        lm = load_model(config.model)
        segments = prepare_general(config, lm).segments
        plan = plan_batches(segments, args.batch_size)[: args.batches]
        forward = {False: [], True: []}
        batches: list = []
        for _ in range(args.repeats):
            for norms in (False, True):
                start = time.perf_counter()
                out = [run_batch(lm, segments, indices, norms=norms) for indices in plan]
                forward[norms].append(time.perf_counter() - start)
                if norms:
                    batches = out
        context = AnalysisContext(lm.num_layers, lm.num_heads, config, None,
                                  tokenizer=lm.tokenizer, kind=lm.kind)
        analysis: dict[str, list[float]] = {}
        for _ in range(args.repeats):
            chosen = [a for a in args.analyses.split(",") if a]
            for spec in analyses_for("general", lm.kind, config):
                if chosen and spec.name not in chosen:
                    continue
                acc = spec.accumulator(context)
                start = time.perf_counter()
                for batch in batches:
                    acc.update(batch)
                acc.result()
                analysis.setdefault(spec.name, []).append(time.perf_counter() - start)
    tokens = sum(len(segments[i]) for indices in plan for i in indices)
    off, on = min(forward[False]), min(forward[True])
    print(f"model {args.model}: {lm.num_layers} layers x {lm.num_heads} heads, "
          f"{len(plan)} batches of {args.batch_size} ({tokens} tokens), "
          f"{torch.get_num_threads()} threads, best of {args.repeats}")
    print(f"forward without norms {off:.2f} s, with norms {on:.2f} s "
          f"({100 * (on / off - 1):+.1f}%)")
    others = sum(min(v) for k, v in analysis.items() if not k.endswith("norm_shares"))
    print(f"forward + timed analyses (norm_shares left out): {off + others:.2f} s")
    for name, values in analysis.items():
        print(f"analysis {name:<20} {min(values):.3f} s")
    norm = sum(min(v) for k, v in analysis.items() if k.endswith("norm_shares"))
    print(f"forward + general analyses: {off + others:.2f} s without, "
          f"{on + others + norm:.2f} s with norms "
          f"({100 * ((on + others + norm) / (off + others) - 1):+.1f}%)")


if __name__ == "__main__":
    main()
