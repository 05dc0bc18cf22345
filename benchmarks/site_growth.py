"""How the site build grows with the number of heads: pages, rendering and MkDocs seconds.

For each shape (layers x heads) a BERT with random weights and a tiny hidden size (4 per head:
the site depends on the head count, not on the width) is built on a few segments without the
site (small samples, so the analyses stay cheap), then ``render_site`` renders the pages and
runs both MkDocs builds, timed per stage. The default shapes are the default model's 6 x 12
(72 heads), SmolLM2's 30 x 9 (270) and a 7B model's 32 x 32 (1024).

    python benchmarks/site_growth.py
    python benchmarks/site_growth.py --shapes 6x12,30x9 --no-offline
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def tiny_model(folder: Path, layers: int, heads: int) -> Path:
    """A random BERT of ``layers`` x ``heads`` (hidden 4 per head), the default tokenizer."""
    if (folder / "config.json").exists():
        return folder
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from generator.model.loading import default_model_path

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    hidden = 4 * heads
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=2 * hidden)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", default="6x12,30x9,32x32")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "site-growth")
    parser.add_argument("--no-offline", action="store_true", help="skip the file:// variant")
    args = parser.parse_args()
    from generator.render.site import render_site
    from generator.timings import Timings

    rows = []
    for shape in args.shapes.split(","):
        layers, heads = (int(x) for x in shape.split("x"))
        model = tiny_model(args.out / f"model-{shape}", layers, heads)
        out = args.out / f"build-{shape}"
        if not (out / "results" / "heads.json").is_file():
            subprocess.run([sys.executable, "-m", "generator.cli.main", "build", "--model",
                            str(model), "--out", str(out), "--no-site", "--no-cache",
                            "--max-segments", "32", "--max-len", "64", "--gradient-segments", "8",
                            "--syntax-sentences", "40", "--mst-sentences", "40",
                            "--distance-rows", "64"], check=True, cwd=ROOT)
        timings = Timings()
        start = time.perf_counter()
        built = render_site(out, offline=not args.no_offline, timings=timings)
        wall = time.perf_counter() - start
        rows.append({"shape": shape, "heads": layers * heads, "pages": built.pages,
                     "seconds": wall, "stages": dict(timings.stages)})
        stages = ", ".join(f"{k} {v:.1f}" for k, v in timings.stages.items())
        print(f"{shape} ({layers * heads} heads): {built.pages} pages, site {wall:.1f} s "
              f"({stages})", flush=True)
    (args.out / "results.json").write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
