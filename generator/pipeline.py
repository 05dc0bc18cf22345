"""The build, one direction: corpus -> streams -> extraction -> analyses -> results JSON -> site."""

from __future__ import annotations

import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import torch

from generator import swap
from generator.analyses.base import AnalysisContext
from generator.analyses.registry import MODEL_STEPS, POSTPROCESSORS, STREAMS, analyses_for
from generator.config import BuildConfig, config_as_dict
from generator.corpus.text_cache import read_ahead
from generator.encoding.segment import Segment, segments_digest
from generator.model.batch import AttentionBatch
from generator.model.cache import AttentionCache, attention_bytes, cache_key, numeric_versions
from generator.model.extraction import extract, plan_batches
from generator.model.loading import LoadedModel, load_model, model_label
from generator.progress import say
from generator.results import SCHEMA, merge_documents, package_versions, write_json
from generator.streams.base import BatchSource, StreamInput, StreamSpec, preparation_order
from generator.timings import Timings

HOST = torch.device("cpu")
DECODER_MEMORY_SETTINGS = ("layer_slices", "attention_budget_gb")
"""Settings that only decoders read and that change no result: left out of an encoder's
manifest (its results stay byte for byte those of builds before they existed)."""


class StreamRun:
    """The accumulators of every analysis registered for one stream, fed batch by batch."""

    def __init__(self, stream: str, lm: LoadedModel, config: BuildConfig, data: Any = None
                 ) -> None:
        self.lm = lm
        self.specs = analyses_for(stream, lm.kind)
        context = AnalysisContext(lm.num_layers, lm.num_heads, config, data,
                                  tokenizer=lm.tokenizer, kind=lm.kind)
        self.accumulators = [spec.accumulator(context) for spec in self.specs]
        self.num_layers = lm.num_layers
        self._slices: list[AttentionBatch] = []
        """Layer slices of the current batch, kept for the analyses that need whole batches
        (only while such an analysis is registered for the stream)."""

    def update(self, batch: AttentionBatch, timings: Timings) -> None:
        """Feed one batch, whole or a layer slice (``batch.layers``): an analysis that does not
        take slices gets the batch once its every layer has arrived, stacked whole."""
        if batch.whole:
            self._feed(batch, self.accumulators, timings)
            return
        self._feed(batch, [a for a in self.accumulators if a.takes_layer_slices], timings)
        rest = [a for a in self.accumulators if not a.takes_layer_slices]
        if not rest:
            return
        self._slices.append(batch)
        seen = sorted(layer for part in self._slices for layer in part.layer_ids())
        if len(seen) < self.num_layers:
            return
        if seen != list(range(self.num_layers)):
            raise ValueError(f"layer slices of one batch hold layers {seen}")
        parts = sorted(self._slices, key=lambda part: part.layer_ids()[0])
        self._slices = []
        whole = replace(parts[0], layers=None,
                        attentions=torch.cat([part.attentions for part in parts], dim=1))
        self._feed(whole, rest, timings)

    def _feed(self, batch: AttentionBatch, accumulators: Sequence[Any], timings: Timings
              ) -> None:
        copies: dict[torch.device, AttentionBatch] = {}
        for acc in accumulators:
            with timings.stage(f"analysis {acc.name}"):
                device = self.lm.device if acc.on_device else HOST
                if device not in copies:
                    copies[device] = batch.to(device)
                acc.update(copies[device])

    def documents(self, timings: Timings) -> dict[str, dict[str, Any]]:
        """One merged document per results file."""
        by_file: dict[str, list[dict[str, Any]]] = {}
        for spec, acc in zip(self.specs, self.accumulators, strict=True):
            with timings.stage(f"analysis {acc.name}"):
                by_file.setdefault(spec.results_file, []).append(acc.result())
        return {name: merge_documents(parts) for name, parts in by_file.items()}


def attention_key(lm: LoadedModel, segments: Sequence[Segment], config: BuildConfig,
                  skip: Collection[int] = ()) -> str:
    """The attention cache key: everything that changes the cached tensors. The model
    (config and whole-file content hashes), the segments (ids, token types, word alignment:
    max_len, token_types and the seed show there), the forward pass's precision and device, the
    library versions, and the segments left out. The attention tap is not part of it: it returns
    the very tensors of the whole pass. The batch size is not either (an entry read back keeps the
    batches it was written in)."""
    return cache_key({"model": lm.fingerprint, "segments": segments_digest(segments),
                      "precision": config.precision, "device": config.device,
                      "versions": numeric_versions(),
                      **({"skip": sorted(skip)} if skip else {})})


def stream_batches(
    stream: str,
    lm: LoadedModel,
    segments: Sequence[Segment],
    config: BuildConfig,
    *,
    timings: Timings,
    description: str = "Extracting attention",
    extractor: BatchSource | None = None,
    skip: Collection[int] = (),
) -> Iterator[AttentionBatch]:
    """One pass of extraction over a stream's segments: ``extractor`` when the stream brings its
    own, else the cached attention extraction (leaving out the segments at ``skip``)."""
    if extractor is not None:
        yield from extractor(segments, batch_size=config.batch_size, description=description,
                             timings=timings)
        return
    cache = None
    if config.cache:
        size = attention_bytes(plan_batches(segments, config.batch_size, skip),
                               [len(s) for s in segments], lm.num_layers * lm.num_heads)
        if size > config.cache_max_gb * 1e9:
            say(f"{stream}: attention not cached ({size / 1e9:.1f} GB > cache_max_gb "
                f"{config.cache_max_gb:g})")
        else:
            cache = AttentionCache(config.cache_root / "attention",
                                   attention_key(lm, segments, config, skip))
    sliced = slice_layers(stream, lm, segments, config, skip)
    if sliced and cache is not None:
        say(f"{stream}: attention extracted one layer at a time, not cached")
        cache = None
    yield from extract(lm, segments, batch_size=config.batch_size, cache=cache,
                       description=description, timings=timings, skip=skip, sliced=sliced)


def slice_layers(stream: str, lm: LoadedModel, segments: Sequence[Segment], config: BuildConfig,
                 skip: Collection[int] = ()) -> bool:
    """Whether a stream's batches are extracted one layer at a time (``layer_slices``): never
    for an encoder; for a decoder ``on``, or ``auto`` when the stream's largest batch's float32
    attention (B x L x H x N x N x 4 bytes) exceeds ``attention_budget_gb``."""
    if lm.kind == "encoder" or config.layer_slices == "off":
        return False
    if config.layer_slices == "on":
        return True
    plan = plan_batches(segments, config.batch_size, skip)
    largest = max((len(b) * max(len(segments[i]) for i in b) ** 2 for b in plan), default=0)
    size = largest * lm.num_layers * lm.num_heads * 4
    if size <= config.attention_budget_gb * 1e9:
        return False
    say(f"{stream}: one batch's attention would take {size / 1e9:.1f} GB > "
        f"attention_budget_gb {config.attention_budget_gb:g}: extracted one layer at a time")
    return True


def prepare_streams(config: BuildConfig, lm: LoadedModel, timings: Timings,
                    specs: Mapping[str, StreamSpec] = STREAMS
                    ) -> tuple[dict[str, StreamInput], dict[str, float]]:
    """Prepare every registered stream that serves the model's kind (``StreamSpec.kinds``;
    ``lm`` None: an encoder), each after the streams it needs (``preparation_order``) and handed
    what it needs of them (``StreamSpec.arguments``).

    Returns the prepared streams in registry order (one whose ``prepare`` returns None, or that
    serves another kind, is left out) and the seconds each took to prepare."""
    prepared: dict[str, StreamInput] = {}
    seconds: dict[str, float] = {}
    kind = getattr(lm, "kind", "encoder")
    for name in preparation_order(specs):
        spec = specs[name]
        if not spec.serves(kind):
            continue
        start = time.perf_counter()
        with timings.stage(f"prepare {name}"):
            stream = spec.prepare(config, lm, **spec.arguments(prepared))
        seconds[name] = time.perf_counter() - start
        if stream is None:
            continue
        if stream.lends is not None and spec.lends_to is None:
            raise ValueError(f"stream {name!r} lends its batches but its registry entry "
                             "declares no lends_to")
        prepared[name] = stream
    return {name: prepared[name] for name in specs if name in prepared}, seconds


def run_streams(prepared: dict[str, StreamInput], lm: LoadedModel, config: BuildConfig,
                timings: Timings, seconds: dict[str, float],
                specs: Mapping[str, StreamSpec] = STREAMS) -> dict[str, dict[str, Any]]:
    """Run every prepared stream, lending streams first: a stream that lends (its
    ``StreamInput.lends`` set, to the stream its entry names in ``lends_to``) feeds each of its
    batches to its own analyses and to the borrower's, renumbered as the borrower's segments;
    the borrower then skips those segments. Returns the merged documents by results file."""
    runs = {name: StreamRun(name, lm, config, stream.data) for name, stream in prepared.items()}
    skip: dict[str, list[int]] = {}
    order = sorted(prepared, key=lambda name: prepared[name].lends is None)  # stable
    produced: dict[str, dict[str, dict[str, Any]]] = {}
    for name in order:
        stream = prepared[name]
        target = specs[name].lends_to  # the borrower, when this stream lends and it has analyses
        lent = stream.lends is not None and target in runs and bool(runs[target].specs)
        borrower = runs[target] if lent else None
        if not runs[name].specs and borrower is None:
            continue
        start = time.perf_counter()
        positions = torch.tensor(stream.lends.positions if lent else [], dtype=torch.long)
        for batch in stream_batches(name, lm, stream.segments, config, timings=timings,
                                    description=stream.description, extractor=stream.extractor,
                                    skip=skip.get(name, ())):
            runs[name].update(batch, timings)
            if borrower is not None:  # the same maps, numbered as the borrower's segments
                there = positions[batch.index.cpu()].to(batch.index.device)
                borrower.update(replace(batch, index=there), timings)
        if borrower is not None:
            skip[target] = list(stream.lends.positions)
        produced[name] = runs[name].documents(timings)
        timings.streams[name] = {"seconds": seconds[name] + time.perf_counter() - start,
                                 "segments": len(stream.segments)}
    documents: dict[str, dict[str, Any]] = {}
    for name in prepared:  # registry order, whichever stream ran first
        for file, doc in produced.get(name, {}).items():
            base = documents.get(file) or {"schema": SCHEMA, "model": model_summary(lm)}
            documents[file] = merge_documents([base, prepared[name].header, doc])
    return documents


def model_summary(lm: LoadedModel) -> dict[str, Any]:
    """The ``model`` key of every results document; a decoder's also says
    ``architecture_kind: "decoder"`` (an encoder's says nothing, as before decoders existed)."""
    summary = {"name": lm.name, "num_layers": lm.num_layers, "num_heads": lm.num_heads,
               "architecture": lm.model.config.model_type}
    if lm.kind != "encoder":
        summary["architecture_kind"] = lm.kind
    return summary


def file_names(inputs: Mapping[str, str]) -> dict[str, str]:
    """Input file -> sha256 keyed by file names instead of paths (a path stays where two files
    share a name)."""
    names = [Path(k).name for k in inputs]
    return {(Path(k).name if names.count(Path(k).name) == 1 else k): v
            for k, v in inputs.items()}


def manifest_settings(config: BuildConfig) -> dict[str, Any]:
    """The config for the manifest: without ``record_paths`` input files are named by their
    names and a local model by ``model_label`` (a published site does not show the user's
    folders); with it, as given."""
    settings = config_as_dict(config)
    if config.record_paths:
        return settings
    for f in fields(config):
        value = getattr(config, f.name)
        if isinstance(value, Path):
            settings[f.name] = value.name
        elif isinstance(value, tuple) and all(isinstance(v, Path) for v in value):
            settings[f.name] = [v.name for v in value]
    settings["model"] = model_label(config.model)
    return settings


def build_results(config: BuildConfig, timings: Timings, *, commit: bool = True
                  ) -> dict[str, Path]:
    """Load the model, prepare each stream, run every analysis, write OUT/results/*.json
    (``commit=False``: leave them staged, see ``write_results``)."""
    reader = read_ahead(config)  # plain text read and parsed meanwhile, on another core
    try:
        with timings.stage("load model"):
            lm = load_model(config.model, device=config.device, precision=config.precision,
                            trust_remote_code=config.trust_remote_code, bos=config.bos,
                            decoders=True)
            lm.name = model_label(config.model, config.model_name)  # never a full path
        # Every stream reads its input before any is run, so a broken file fails in seconds.
        prepared, seconds = prepare_streams(config, lm, timings)
    finally:
        if reader is not None:
            reader.stop()
    inputs: dict[str, str] = {}
    for stream in prepared.values():
        inputs.update(stream.inputs)
    documents = run_streams(prepared, lm, config, timings, seconds)
    for name, entry in MODEL_STEPS.items():
        if lm.kind not in entry.kinds:
            continue
        output = entry.step(config, lm, timings)
        if output is None:
            continue
        inputs.update(output.inputs)
        base = {"schema": SCHEMA, "model": model_summary(lm)}
        documents[name] = merge_documents([base, output.document])
    with timings.stage("post-processing"):
        for post in POSTPROCESSORS:
            post(documents)
    documents["manifest"] = {
        "schema": SCHEMA,
        "model": lm.describe(record_paths=config.record_paths),
        "settings": {k: v for k, v in manifest_settings(config).items()
                     if k not in ("out", "cache", "cache_dir", "site")
                     and (lm.kind != "encoder" or k not in DECODER_MEMORY_SETTINGS)},
        "seed": config.seed,
        "inputs": inputs if config.record_paths else file_names(inputs),
        "packages": package_versions(),
        "token_types": "all zeros" if config.token_types == "zeros" or not lm.uses_token_types
        else "segment B = 1",
        "results": sorted(documents),
    }
    with timings.stage("write results"):
        return write_results(documents, config.results_dir, commit=commit)


def write_results(documents: dict[str, dict[str, Any]], results_dir: Path, *,
                  commit: bool = True) -> dict[str, Path]:
    """Write every document into a staging folder and swap it in whole (``generator.swap``): a
    build killed at any point leaves the previous results untouched (never a mix of old and new
    files).

    ``commit=False`` leaves the documents staged (the paths returned are in the staging folder
    ``OUT/.results.new-PID``), for ``render_site(results=)`` to swap in with the site built
    from them."""
    swap.recover(results_dir.parent)
    staging = swap.stage(results_dir.parent, "results.new")
    try:
        for name, doc in documents.items():
            write_json(staging / f"{name}.json", doc)
    except BaseException:
        swap.discard(staging)
        raise
    if not commit:
        return {name: staging / f"{name}.json" for name in documents}
    swap.commit([(staging, results_dir)])
    return {name: results_dir / f"{name}.json" for name in documents}
