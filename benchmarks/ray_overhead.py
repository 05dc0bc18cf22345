"""Benchmark (issue 21): the cost of Ray and of merging shards against one process.

On the same segments and settings it runs, each in a fresh process:

1. ``headatlas build`` in one process with ``--threads`` torch threads (default 2);
2. ``headatlas build --engine ray --workers W`` (default 2 actors, each with threads / W torch
   threads: a local Ray instance started by the build);
3. ``headatlas build --shard K/W`` for every K one after the other, then ``headatlas merge``
   (the Slurm way; the merge's seconds are the cost of merging and of the driver's own work:
   loading the model, preparing the streams, the results).

and prints wall seconds, the ratios to (1), the "merge shards" stage of each, and whether the
results folders are byte-identical (they must be). ``--no-site`` by default: the site is the same
work in all three. Needs Ray (``pip install ray`` or the ``[ray]`` extra).

    python benchmarks/ray_overhead.py                      # BERT-base-sized, 1000 segments
    python benchmarks/ray_overhead.py --model default --segments 200
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import SIZES, random_model, run_measured  # noqa: E402


def results(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "results").glob("*.json"))}


def stage(out: Path, name: str) -> float:
    timings = json.loads((out / "timings.json").read_text())
    return float(timings["stages"].get(name, 0.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="bert-base", help="bert-base (random, BERT-base "
                        "sized), minilm-sized, default, or a model folder")
    parser.add_argument("--segments", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2, help="torch threads in total")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--site", action="store_true", help="also build the site")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model = (str(random_model(args.out / f"{args.model}-random", args.model, None))
             if args.model in SIZES else args.model)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PYTHONPATH": path}
    headatlas = [sys.executable, "-m", "generator.cli.main"]
    common = ["--model", model, "--max-segments", str(args.segments), "--batch-size",
              str(args.batch_size), "--no-cache"] + ([] if args.site else ["--no-site"])
    with tempfile.TemporaryDirectory(dir=args.out) as tmp:
        one, ray_out, merged = Path(tmp) / "one", Path(tmp) / "ray", Path(tmp) / "merged"
        _, local_s, local_rss = run_measured(
            [*headatlas, "build", *common, "--out", str(one)], env)
        ray_env = {**env, "OMP_NUM_THREADS": str(max(1, args.threads // args.workers))}
        _, ray_s, ray_rss = run_measured(
            [*headatlas, "build", *common, "--out", str(ray_out), "--engine", "ray",
             "--workers", str(args.workers)], ray_env)
        shard_s = 0.0
        for k in range(args.workers):
            _, seconds, _ = run_measured(
                [*headatlas, "build", *common, "--out", str(Path(tmp) / f"node{k}"),
                 "--shard", f"{k}/{args.workers}"], ray_env)
            shard_s += seconds
        states = [x for k in range(args.workers)
                  for x in ("--states", str(Path(tmp) / f"node{k}" / "states"))]
        _, merge_s, _ = run_measured(
            [*headatlas, "merge", str(merged), *states]
            + ([] if args.site else ["--no-site"]), env)
        same = results(one) == results(ray_out) == results(merged)
        row = {"model": args.model, "segments": args.segments, "workers": args.workers,
               "threads": args.threads, "one_process_s": local_s, "ray_s": ray_s,
               "ray_over_one": ray_s / local_s, "shards_s": shard_s, "merge_s": merge_s,
               "ray_merge_stage_s": stage(ray_out, "merge shards"),
               "one_merge_stage_s": stage(one, "merge shards"),
               "rss_one_gb": local_rss, "rss_ray_driver_gb": ray_rss,
               "identical_results": same}
    for key, value in row.items():
        print(f"{key:<20} {value:.2f}" if isinstance(value, float) else f"{key:<20} {value}")
    (args.out / "ray_overhead.json").write_text(json.dumps(row, indent=1))
    if not same:
        raise SystemExit("results differ between the one-process, Ray and merged builds")


if __name__ == "__main__":
    main()
