"""Peak attention memory of whole-batch vs layer-sliced decoder extraction (issue 18 item 4).

Not a timed test: it counts bytes. A tiny random llama (``tests.helpers.make_tiny_decoder``,
or ``--model`` a local decoder folder) runs one batch of B random segments of N tokens both
ways; it reports the attention each path holds at its peak: whole, the per-layer tuple from the
model plus its float32 stack ``[B, L, H, N, N]``; sliced, the largest sum of slices alive at once
(the one being folded, the one queued and the one the worker is computing: at most 3 layers).

    PYTHONPATH=. python benchmarks/layer_slices_memory.py --layers 8 --heads 8 --batch 4 --len 256
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from generator.encoding.segment import Segment
from generator.model.extraction import run_batch, run_batch_sliced
from generator.model.loading import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--len", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.model
        if folder is None:
            from tests.helpers import make_tiny_decoder
            folder = make_tiny_decoder(Path(tmp), "llama", layers=args.layers, heads=args.heads)
        lm = load_model(str(folder), decoders=True)
        gen = torch.Generator().manual_seed(0)
        vocab = int(lm.model.config.vocab_size)
        segments = [Segment(tuple(torch.randint(0, vocab, (args.len,), generator=gen).tolist()),
                            (0,) * args.len, (-1,) * args.len) for _ in range(args.batch)]
        indices = list(range(args.batch))
        whole = run_batch(lm, segments, indices)
        whole_bytes = 2 * whole.attentions.nbytes  # the model's tuple and the stacked copy
        peak = 0
        for part in run_batch_sliced(lm, segments, indices):
            # this slice, the one queued behind it and the one being computed
            peak = max(peak, 3 * part.attentions.nbytes)
            assert torch.equal(part.attentions[:, 0], whole.attentions[:, part.layer_ids()[0]])
    print(f"{lm.num_layers} layers x {lm.num_heads} heads, batch {args.batch} x {args.len}")
    print(f"whole batch: {whole_bytes / 1e6:.1f} MB of attention at its peak")
    print(f"layer slices: at most {peak / 1e6:.1f} MB (3 layers); maps identical")


if __name__ == "__main__":
    main()
