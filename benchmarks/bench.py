"""Benchmark: the full headatlas build against the bare forward pass, in one run.

For each model and corpus size it runs, in fresh subprocesses on the same segments, batch size
and threads: (1) the bare forward pass with attentions, (2) the full ``headatlas build`` (every
analysis that has landed, rendering, MkDocs build). It prints each stage's time, the peak RSS of
each process, and the ratio build / forward. Absolute seconds depend on the machine; the ratios
are the figures to compare.

    python benchmarks/bench.py                         # default + BERT-base-sized, 500/1000/2000
    python benchmarks/bench.py --models default --segments 200 --no-site
    python benchmarks/bench.py --models gpt2-small-sized,smollm2 --segments 1000   # decoders
    python benchmarks/bench.py --treebank ../shared/corpora/ud-english-ewt/en_ewt-ud-dev.conllu \\
        --coref ../shared/corpora/ud-english-gum/en_gum-ud-dev.conllu
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

FORWARD_SCRIPT = r"""
import json, sys, time, torch
from pathlib import Path
from generator.allocator import keep_freed_memory
from generator.config import BuildConfig
from generator.streams.general import prepare_general
from generator.model.extraction import plan_batches
from generator.model.loading import load_model
args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
keep_freed_memory()  # the allocator setting of headatlas build: the same conditions
config = BuildConfig(model=args["model"], max_segments=args["segments"], device=args["device"],
                     precision=args["precision"],
                     segments=Path(args["segments_file"]) if args["segments_file"] else None)
lm = load_model(config.model, device=config.device, precision=config.precision,
                bos=config.bos, decoders=True)  # as the build loads it: a decoder's lm.model
segments = prepare_general(config, lm).segments  # is its base model (no LM head, no logits)
# Right padding with an attention mask, as run_batch: a decoder's real tokens keep positions
# 0..k-1 and never attend to the padding after them.
pad = lm.tokenizer.pad_token_id or 0
batches = []
for idx in plan_batches(segments, args["batch_size"]):
    chosen = [segments[i] for i in idx]
    n = max(len(s) for s in chosen)
    ids = torch.full((len(chosen), n), pad)
    mask = torch.zeros((len(chosen), n), dtype=torch.long)
    types = torch.zeros((len(chosen), n), dtype=torch.long)
    for r, s in enumerate(chosen):
        ids[r, :len(s)] = torch.tensor(s.input_ids)
        types[r, :len(s)] = torch.tensor(s.token_type_ids)
        mask[r, :len(s)] = 1
    inputs = {"input_ids": ids, "attention_mask": mask}
    if lm.uses_token_types:
        inputs["token_type_ids"] = types
    batches.append({k: v.to(lm.device) for k, v in inputs.items()})
start = time.perf_counter()
with torch.inference_mode():
    for inputs in batches:
        out = lm.model(**inputs, output_attentions=True)
        torch.stack(out.attentions, 1).float()  # on the model's device, as the build keeps it
if config.device == "cuda":
    torch.cuda.synchronize()
print(json.dumps({"forward": time.perf_counter() - start, "segments": len(segments)}))
"""


SIZES = {"bert-base": (12, 12, 768), "minilm-sized": (6, 12, 384)}
DECODER_SIZES = {"gpt2-small-sized": (12, 12, 768)}
"""Random decoders (layers, heads, hidden): a GPT-2 architecture with SmolLM2's byte-level BPE
tokenizer (49,152 tokens, near GPT-2's 50,257: about 122M parameters, GPT-2 small's 124M less
the smaller vocabulary, and the same kind of token counts on English text). ``smollm2`` (the
pretrained SmolLM2-135M, 30 x 9 heads) needs nothing here: ``--model smollm2`` loads it."""


def random_model(folder: Path, size: str, tokenizer_dir: str | None) -> Path:
    """A BERT model of the given size (layers, heads, hidden) with random weights and the default
    model's tokenizer (or ``tokenizer_dir``), saved to ``folder``; a size in ``DECODER_SIZES``
    gives a GPT-2 causal LM with SmolLM2's tokenizer (or ``tokenizer_dir``) instead."""
    if (folder / "config.json").exists():
        return folder
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel, GPT2Config, GPT2LMHeadModel

    from generator.model.loading import default_model_path

    torch.manual_seed(0)
    if size in DECODER_SIZES:
        from generator.model.gguf_convert import plain_folder, smollm2_path

        layers, heads, hidden = DECODER_SIZES[size]
        source = tokenizer_dir or str(plain_folder(smollm2_path())[0])
        tokenizer = AutoTokenizer.from_pretrained(source)
        bos = tokenizer.bos_token_id if tokenizer.bos_token_id is not None \
            else tokenizer.eos_token_id
        gpt2 = GPT2Config(vocab_size=len(tokenizer), n_layer=layers, n_head=heads, n_embd=hidden,
                          n_positions=1024, bos_token_id=bos, eos_token_id=tokenizer.eos_token_id)
        GPT2LMHeadModel(gpt2).save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        return folder
    layers, heads, hidden = SIZES[size]
    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir or default_model_path())
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=4 * hidden)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[str, float, float]:
    """Run ``cmd``; return its stdout, wall seconds and peak RSS in GB (that process alone)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}")
    return out, time.perf_counter() - start, usage.ru_maxrss / 1024 / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="default,bert-base",
                        help="comma list: default, bert-base, minilm-sized, gpt2-small-sized "
                             "(random weights), smollm2, or any model id/folder")
    parser.add_argument("--segments-file", default=None,
                        help="pre-built segments JSON instead of the default corpus")
    parser.add_argument("--tokenizer", default=None,
                        help="tokenizer folder for the random models [the default model's]")
    parser.add_argument("--segments", default="500,1000,2000")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--no-site", action="store_true", help="skip rendering and MkDocs")
    parser.add_argument("--treebank", action="append", default=[])
    parser.add_argument("--coref", default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--extra", default="", help="extra flags for headatlas build")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PYTHONPATH": path}
    rows = []
    for model in args.models.split(","):
        model_arg = str(random_model(args.out / f"{model}-random", model, args.tokenizer)) \
            if model in SIZES or model in DECODER_SIZES else model
        for n in (int(x) for x in args.segments.split(",")):
            spec = {"model": model_arg, "segments": n, "batch_size": args.batch_size,
                    "threads": args.threads, "device": args.device,
                    "precision": args.precision, "segments_file": args.segments_file}
            out, _, fwd_rss = run_measured(
                [sys.executable, "-c", FORWARD_SCRIPT, json.dumps(spec)], env)
            forward = json.loads(out.strip().splitlines()[-1])["forward"]
            with tempfile.TemporaryDirectory(dir=args.out) as tmp:
                cmd = [sys.executable, "-m", "generator.cli.main", "build", "--model", model_arg,
                       "--max-segments", str(n), "--batch-size", str(args.batch_size),
                       "--device", args.device, "--precision", args.precision, "--out", tmp]
                cmd += ["--no-site"] if args.no_site else []
                cmd += ["--segments", args.segments_file] if args.segments_file else []
                cmd += [x for t in args.treebank for x in ("--treebank", t)]
                cmd += ["--coref", args.coref] if args.coref else []
                cmd += args.extra.split() if args.extra else []
                _, wall, build_rss = run_measured(cmd, env)
                timing = json.loads((Path(tmp) / "timings.json").read_text())
                streams = timing.get("streams", {})
                coref = Path(tmp) / "results" / "coref.json"
                if "coref" in streams and coref.is_file():
                    corpus = json.loads(coref.read_text()).get("corpus", {})
                    streams["coref"]["sentences"] = corpus.get("sentences", 0)
                if "syntax" in streams:
                    streams["syntax"]["sentences"] = streams["syntax"]["segments"]
                disk = folder_bytes(Path(tmp))
                cache = folder_bytes(Path(tmp) / ".headatlas-cache")
            rows.append({"model": model, "segments": n, "forward": forward, "build": wall,
                         "ratio": wall / forward, "rss_forward": fwd_rss, "rss_build": build_rss,
                         "disk_gb": disk / 1e9, "cache_gb": cache / 1e9,
                         "stages": timing["stages"], "streams": streams,
                         "stages_total": timing.get("total"), "process_wall": timing.get("wall")})
            print_row(rows[-1])
    print_table(rows)
    (args.out / "results.json").write_text(json.dumps(rows, indent=1))


SITE_STAGES = ("render pages", "mkdocs build (http)", "mkdocs build (offline)")


def folder_bytes(path: Path) -> int:
    """Bytes of every file under ``path``: what the build left on disk (issue 20: at most
    1 GB unless the attention cache is asked for)."""
    if not path.is_dir():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def print_row(r: dict) -> None:
    stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
    print(f"{r['model']} x {r['segments']}: forward {r['forward']:.1f} s, build {r['build']:.1f} s"
          f" = {r['ratio']:.2f}x, peak RSS {r['rss_forward']:.2f} / {r['rss_build']:.2f} GB",
          flush=True)  # the row as soon as it exists (the table waits for every row)
    print(f"  stages (s): {stages}", flush=True)
    if r.get("stages_total") is not None and r.get("process_wall") is not None:
        print(f"  stages {r['stages_total']:.1f} s; the build's own wall {r['process_wall']:.1f} s "
              f"(interpreter start and imports: {r['process_wall'] - r['stages_total']:.1f} s); "
              f"exit and the rest {r['build'] - r['process_wall']:.1f} s")
    site = sum(r["stages"].get(k, 0.0) for k in SITE_STAGES)
    print(f"  site build: {site:.1f} s = {100 * site / r['build']:.1f}% of the build")
    if "disk_gb" in r:
        print(f"  on disk after the build: {r['disk_gb']:.2f} GB, of which the cache "
              f"{r['cache_gb']:.2f} GB")
    for name, s in r.get("streams", {}).items():
        line = f"  stream {name}: {s['seconds']:.1f} s, {int(s['segments'])} segments"
        if s.get("sentences"):
            line += (f", {int(s['sentences'])} sentences: "
                     f"{1000 * s['seconds'] / s['sentences']:.1f} ms per sentence")
        print(line, flush=True)


def print_table(rows: list[dict]) -> None:
    print()
    print(f"{'model':<12} {'segments':>8} {'forward s':>10} {'build s':>9} {'build/fwd':>9} "
          f"{'RSS fwd GB':>10} {'RSS build GB':>12} {'disk GB':>8}")
    for r in rows:
        print(f"{r['model']:<12} {r['segments']:>8} {r['forward']:>10.1f} {r['build']:>9.1f} "
              f"{r['ratio']:>9.2f} {r['rss_forward']:>10.2f} {r['rss_build']:>12.2f} "
              f"{r.get('disk_gb', 0.0):>8.2f}")
    by_model: dict[str, list[dict]] = {}
    for r in rows:
        by_model.setdefault(r["model"], []).append(r)
    for model, rs in by_model.items():
        for a, b in zip(rs, rs[1:], strict=False):
            print(f"{model}: {a['segments']} -> {b['segments']} segments: build time x"
                  f"{b['build'] / a['build']:.2f}, forward x{b['forward'] / a['forward']:.2f} "
                  f"(segments x{b['segments'] / a['segments']:.2f}),"
                  f" peak RSS {100 * (b['rss_build'] / a['rss_build'] - 1):+.1f}%")


if __name__ == "__main__":
    main()
