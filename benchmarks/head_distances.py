"""Cost of the head distances against the bare forward pass, for a BERT-base-sized model.

    PYTHONPATH=. python benchmarks/head_distances.py [--segments 32] [--threads 2] [--layers 12]

Random weights and random token ids of length 128 (costs do not depend on the text). Every
row of every segment enters the distances. Prints the seconds of each and what 1000 segments
would take.
"""

from __future__ import annotations

import argparse
import time

import torch

from generator.analyses.base import AnalysisContext
from generator.analyses.distances import HeadDistances
from generator.config import BuildConfig
from generator.model import roles as R
from generator.model.batch import AttentionBatch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from transformers import BertConfig, BertModel

    torch.manual_seed(0)
    model = BertModel(BertConfig(num_hidden_layers=args.layers, num_attention_heads=args.heads,
                                 attn_implementation="eager")).eval()
    config = BuildConfig(distance_rows=10**9, device=args.device)
    acc = HeadDistances(AnalysisContext(args.layers, args.heads, config, None))
    forward = distances = 0.0
    batch_size, n = 16, args.length
    for start in range(0, args.segments, batch_size):
        b = min(batch_size, args.segments - start)
        ids = torch.randint(1000, 20000, (b, n))
        t = time.perf_counter()
        with torch.inference_mode():
            out = model(input_ids=ids, output_attentions=True)
        att = torch.stack(out.attentions, dim=1).float().contiguous()
        forward += time.perf_counter() - t
        roles = torch.full((b, n), R.WORD, dtype=torch.int8)
        batch = AttentionBatch(att, ids, roles, torch.zeros_like(ids), torch.full((b,), n),
                               torch.arange(start, start + b))
        t = time.perf_counter()
        acc.update(batch)
        distances += time.perf_counter() - t
    per = 1000 / args.segments
    print(f"{args.layers}x{args.heads} heads, {args.segments} segments of {n}, "
          f"{args.threads} threads, distances on {args.device}")
    print(f"  forward pass: {forward:.2f} s  (1000 segments: {forward * per:.0f} s)")
    print(f"  distances:    {distances:.2f} s  (1000 segments: {distances * per:.0f} s)")
    print(f"  ratio distances / forward: {distances / forward:.2f}")


if __name__ == "__main__":
    main()
