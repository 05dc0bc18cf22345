"""Per-pass cost of the general analyses on real attention batches, next to elementwise floors.

Extracts the default model's attention for a few general segments once (held in memory), then
times each general accumulator's ``update`` over those batches (best of ``--repeat`` runs, wall
and process CPU seconds), and, on the same number of elements, the floors the passes cannot beat
on this CPU: one read of the maps (``sum``), one ``log`` into a reused buffer (whole layer at a
time and in L2-sized chunks), and ``x ln x`` as entropy needs it. Small on purpose (64 segments by
default): the figures are per element, so they scale to a 1000-segment build by the element count.

    python benchmarks/analysis_passes.py                   # default model, 64 segments
    python benchmarks/analysis_passes.py --segments 128 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def best(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall and best process-CPU seconds of ``repeat`` calls (the machine is shared: the
    minimum is the least disturbed run)."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def main() -> None:
    import torch

    from generator.analyses.base import AnalysisContext
    from generator.analyses.registry import analyses_for
    from generator.config import BuildConfig
    from generator.model.extraction import extract
    from generator.model.loading import load_model
    from generator.streams.general import prepare_general

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="default")
    parser.add_argument("--segments", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    config = BuildConfig(model=args.model, max_segments=args.segments, cache=False,
                         batch_size=args.batch_size)
    lm = load_model(config.model, decoders=True)
    stream = prepare_general(config, lm)
    segments = stream.segments
    batches = list(extract(lm, segments, batch_size=args.batch_size, description="extracting"))
    elements = sum(b.attentions.numel() for b in batches)
    real = sum(int((b.lengths.double() ** 2).sum()) * lm.num_layers * lm.num_heads
               for b in batches)
    print(f"{args.model}: {len(segments)} segments, {len(batches)} batches, "
          f"{elements / 1e6:.1f} M map elements ({real / 1e6:.1f} M inside the segments), "
          f"{torch.get_num_threads()} threads", flush=True)
    rows: dict[str, tuple[float, float]] = {}

    # the stream's data (the segments' lengths): the head distances draw their row sample from it
    context = AnalysisContext(lm.num_layers, lm.num_heads, config, stream.data,
                              tokenizer=lm.tokenizer, kind=lm.kind)
    for spec in analyses_for("general", lm.kind):
        def run(spec=spec) -> None:
            acc = spec.accumulator(context)
            for b in batches:
                acc.update(b)
        rows[f"analysis {spec.name}"] = best(run, args.repeat)

    def read() -> None:
        for b in batches:
            b.attentions.sum()

    def log_layers() -> None:  # entropy's shape: one layer of a batch at a time, reused buffer
        for b in batches:
            out = torch.empty_like(b.attentions[:, 0])
            for layer in range(b.attentions.shape[1]):
                torch.log(b.attentions[:, layer], out=out)

    def log_chunks(chunk: int = 1 << 16) -> None:  # 256 KB pieces: in L2
        for b in batches:
            flat = b.attentions.view(-1)
            out = torch.empty(chunk)
            for start in range(0, flat.numel(), chunk):
                piece = flat[start:start + chunk]
                torch.log(piece, out=out[:piece.numel()])

    def xlogx_layers() -> None:  # smoothing, log and the row dot product: entropy's own ops
        for b in batches:
            a = b.attentions
            rows = torch.empty(a.shape[:-1])
            smoothed, logs = torch.empty_like(a[:, 0]), torch.empty_like(a[:, 0])
            for layer in range(a.shape[1]):
                torch.mul(a[:, layer], 0.9999, out=smoothed).add_(1e-6)
                torch.log(smoothed, out=logs)
                torch.linalg.vecdot(smoothed, logs, out=rows[:, layer])

    rows["floor: one read (sum)"] = best(read, args.repeat)
    rows["floor: log, a layer at a time"] = best(log_layers, args.repeat)
    rows["floor: log, 256 KB chunks"] = best(log_chunks, args.repeat)
    rows["floor: smooth + log + row dot"] = best(xlogx_layers, args.repeat)
    print(f"{'pass':<34} {'wall s':>8} {'cpu s':>8} {'ns/element':>11}")
    for name, (wall, cpu) in rows.items():
        print(f"{name:<34} {wall:>8.3f} {cpu:>8.3f} {1e9 * wall / elements:>11.2f}")
    if args.json:
        args.json.write_text(json.dumps({"elements": elements, "segments": len(segments),
                                         "passes": rows}, indent=1))


if __name__ == "__main__":
    main()
