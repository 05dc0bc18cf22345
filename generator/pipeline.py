"""The build, one direction: corpus -> streams -> extraction -> analyses -> results JSON -> site."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
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
from generator.errors import HeadAtlasError
from generator.model.batch import AttentionBatch
from generator.model.cache import (
    AttentionCache,
    CacheBudget,
    attention_bytes,
    cache_key,
    numeric_versions,
)
from generator.model.extraction import extract, plan_batches
from generator.model.layer_capture import attention_layers
from generator.model.loading import LoadedModel, load_model, model_label
from generator.model.value_norms import unsupported
from generator.progress import say
from generator.results import SCHEMA, merge_documents, package_versions, write_json
from generator.shards import (
    WHOLE,
    Shard,
    TreeBuilder,
    merge_stream,
    num_blocks,
    parse_shard,
)
from generator.streams.base import (
    BatchSource,
    StreamInput,
    StreamSpec,
    max_len_notice,
    preparation_order,
)
from generator.timings import Timings

HOST = torch.device("cpu")
ENGINE_SETTINGS = ("shard", "engine", "ray_address", "workers")
"""Settings that say where a build runs, not what it computes: left out of the manifest (a
sharded or Ray build writes the bytes of a one-process build)."""
DECODER_MEMORY_SETTINGS = ("layer_slices", "attention_budget_gb")
"""Settings that only decoders read and that change no result: left out of an encoder's
manifest (its results stay byte for byte those of builds before they existed)."""


class StreamRun:
    """The accumulators of every analysis registered for one stream, fed batch by batch.

    Their states are taken block by block (``generator.shards``): each block of segments is one
    leaf of the merge tree of its *part* (``"own"`` for the stream's own batches, ``"lent:X"``
    for the batches stream X lends it), so the merged states do not depend on how the blocks
    were spread over shards."""

    def __init__(self, stream: str, lm: LoadedModel, config: BuildConfig, data: Any = None
                 ) -> None:
        self.lm = lm
        self.specs = analyses_for(stream, lm.kind, config)
        context = AnalysisContext(lm.num_layers, lm.num_heads, config, data,
                                  tokenizer=lm.tokenizer, kind=lm.kind)
        self.accumulators = [spec.accumulator(context) for spec in self.specs]
        self.reductions = [acc.reductions for acc in self.accumulators]
        self.num_layers = lm.num_layers
        self.needs_norms = any(spec.accumulator.needs_value_norms for spec in self.specs)
        """Whether an analysis of the stream reads ``AttentionBatch.value_norms``."""
        self._slices: list[AttentionBatch] = []
        """Layer slices of the current batch, kept for the analyses that need whole batches
        (only while such an analysis is registered for the stream)."""
        self.trees: dict[str, TreeBuilder] = {}
        self.totals: dict[str, int] = {}
        self._leaf: tuple[str, int] | None = None

    def begin_part(self, part: str, blocks: tuple[int, int], total: int) -> None:
        """Batches of ``part`` will come for the blocks ``[a, b)`` of ``total``."""
        self._close_leaf()
        self.trees[part] = TreeBuilder(self.reductions, *blocks)
        self.totals[part] = total

    def _close_leaf(self) -> None:
        if self._leaf is None:
            return
        if self._slices:
            raise ValueError("a block ended while a batch lacked layers")
        part, block = self._leaf
        self._leaf = None
        self.trees[part].add(block, [acc.take_states() for acc in self.accumulators])

    def update(self, batch: AttentionBatch, timings: Timings, part: str = "own",
               block: int = 0) -> None:
        """Feed one batch of block ``block`` of ``part``, whole or a layer slice
        (``batch.layers``): an analysis that does not take slices gets the batch once its every
        layer has arrived, stacked whole."""
        if self._leaf != (part, block):
            self._close_leaf()
            if part not in self.trees:
                raise ValueError(f"batches of part {part!r} before begin_part")
            self._leaf = (part, block)
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
        norms = None
        if all(part.value_norms is not None for part in parts):
            norms = torch.cat([part.value_norms for part in parts], dim=1)
        whole = replace(parts[0], layers=None, value_norms=norms,
                        attentions=torch.cat([part.attentions for part in parts], dim=1))
        self._feed(whole, rest, timings)

    def partials(self) -> dict[str, dict[str, Any]]:
        """This shard's tree nodes of every part: ``{part: {"blocks": total, "nodes": ...}}``."""
        self._close_leaf()
        names = [acc.name for acc in self.accumulators]
        return {part: {"blocks": self.totals[part], "nodes": tree.finish(),
                       "analyses": names, "reductions": self.reductions}
                for part, tree in self.trees.items()}

    def load(self, shards: Sequence[dict[str, dict[str, Any]]]) -> None:
        """Set the accumulators to the merged states of every shard's ``partials()`` (in shard
        order; parts in the order of the first shard: lent batches first, as they ran)."""
        names = [acc.name for acc in self.accumulators]
        for shard in shards:
            for part, entry in shard.items():
                if entry["analyses"] != names:
                    raise HeadAtlasError(f"the shards' {part} states are of the analyses "
                                         f"{entry['analyses']}, this build has {names}")
        merged = merge_stream(shards)
        if merged is not None:
            for acc, states in zip(self.accumulators, merged, strict=True):
                acc.load_states(states)

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
                  skip: Collection[int] = (), norms: bool = False) -> str:
    """The attention cache key: everything that changes the cached tensors. The model
    (config and whole-file content hashes), the segments (ids, token types, word alignment:
    max_len, token_types and the seed show there), the forward pass's precision and device, the
    library versions, the segments left out and (when it cuts the stream) the block size. The
    attention tap is not part of it: it returns
    the very tensors of the whole pass. The batch size is not either (an entry read back keeps the
    batches it was written in). ``norms``: the entry also holds the value norms (an entry
    without them cannot serve the norm-based analysis)."""
    return cache_key({"model": lm.fingerprint, "segments": segments_digest(segments),
                      "precision": config.precision, "device": config.device,
                      "versions": numeric_versions(),
                      **({"skip": sorted(skip)} if skip else {}),
                      **({"block": config.shard_block}
                         if len(segments) > config.shard_block else {}),
                      **({"norms": True} if norms else {})})


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
    budget: CacheBudget,
    norms: bool = False,
) -> Iterator[AttentionBatch]:
    """One pass of extraction over a stream's segments: ``extractor`` when the stream brings its
    own, else the cached attention extraction (leaving out the segments at ``skip``); ``norms``:
    its batches carry ``value_norms`` (a stream's own extractor decides that itself).

    A complete cache entry is read whatever its size; a new one is written only while the
    build's ``budget`` (``cache_max_gb``, for every stream together) allows it."""
    if extractor is not None:
        yield from extractor(segments, batch_size=config.batch_size, description=description,
                             timings=timings, skip=skip, block=config.shard_block)
        return
    sliced = slice_layers(stream, lm, segments, config, skip)
    cache = None
    if config.cache and sliced:
        say(f"{stream}: attention extracted one layer at a time, not cached")
    elif config.cache:
        plan = plan_batches(segments, config.batch_size, skip, config.shard_block)
        size = attention_bytes(plan, [len(s) for s in segments], lm.num_layers * lm.num_heads,
                               norms)
        cache = AttentionCache(config.cache_root / "attention",
                               attention_key(lm, segments, config, skip, norms),
                               {"stream": stream, "model": lm.name, "bytes": size,
                                "segments": len(segments) - len(set(skip))})
        if cache.complete:
            budget.read.append((stream, size))
        elif not budget.take(stream, size):
            say(f"{stream}: attention not cached ({(budget.used + size) / 1e9:.1f} GB > "
                f"cache_max_gb {config.cache_max_gb:g})")
            cache = None
    yield from extract(lm, segments, batch_size=config.batch_size, cache=cache,
                       description=description, timings=timings, skip=skip, sliced=sliced,
                       block=config.shard_block, norms=norms)


def slice_layers(stream: str, lm: LoadedModel, segments: Sequence[Segment], config: BuildConfig,
                 skip: Collection[int] = ()) -> bool:
    """Whether a stream's batches are extracted one layer at a time (``layer_slices``): never
    for an encoder; for a decoder ``on``, or ``auto`` when the stream's largest batch's float32
    attention (B x L x H x N x N x 4 bytes) exceeds ``attention_budget_gb``."""
    if lm.kind == "encoder" or config.layer_slices == "off":
        return False
    if config.layer_slices == "on":
        check_layer_slices(config, lm)
        return True
    plan = plan_batches(segments, config.batch_size, skip)
    largest = max((len(b) * max(len(segments[i]) for i in b) ** 2 for b in plan), default=0)
    size = largest * lm.num_layers * lm.num_heads * 4
    if size <= config.attention_budget_gb * 1e9:
        return False
    over = (f"{stream}: one batch's attention would take {size / 1e9:.1f} GB > "
            f"attention_budget_gb {config.attention_budget_gb:g}")
    if not attention_layers(lm.model):
        say(f"{over}, but model type '{lm.model.config.model_type}' cannot hand over its "
            "layers one at a time: whole batches (lower --batch-size to save memory)")
        return False
    say(f"{over}: extracted one layer at a time")
    return True


def check_layer_slices(config: BuildConfig, lm: LoadedModel) -> None:
    """``--layer-slices on`` needs attention layers that ``capture_layers`` can reach (those
    that call transformers' attention interface; bloom, falcon, gpt_neo, mpt and a few others
    compute attention in their own code): a one-line HeadAtlasError otherwise, at load time."""
    if config.layer_slices != "on" or lm.kind == "encoder" or attention_layers(lm.model):
        return
    raise HeadAtlasError(f"model type '{lm.model.config.model_type}' computes attention outside "
                         "transformers' attention interface, so its layers cannot be handed over "
                         "one at a time (use --layer-slices off or auto)", path="--layer-slices")


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


def stream_states(prepared: dict[str, StreamInput], lm: LoadedModel, config: BuildConfig,
                  timings: Timings, seconds: dict[str, float],
                  specs: Mapping[str, StreamSpec] = STREAMS, shard: Shard = WHOLE,
                  on_batch: Callable[[], None] | None = None,
                  budget: CacheBudget | None = None
                  ) -> dict[str, dict[str, dict[str, Any]]]:
    """Run shard ``shard`` of every prepared stream (its blocks of ``config.shard_block``
    segments, ``generator.shards``), lending streams first: a stream that lends (its
    ``StreamInput.lends`` set, to the stream its entry names in ``lends_to``) feeds each of its
    batches to its own analyses and to the borrower's (part ``lent:NAME``), renumbered as the
    borrower's segments; the borrower then skips those segments. Returns each stream's tree
    nodes by part (``StreamRun.partials``); ``on_batch`` is called after every batch;
    ``budget``: the attention cache's bytes for every stream together (None: a fresh one)."""
    budget = budget if budget is not None else CacheBudget(config.cache_max_gb * 1e9)
    runs = {name: StreamRun(name, lm, config, stream.data) for name, stream in prepared.items()}
    block = config.shard_block
    skip: dict[str, list[int]] = {}
    order = sorted(prepared, key=lambda name: prepared[name].lends is None)  # stable
    states: dict[str, dict[str, dict[str, Any]]] = {}
    for name in order:
        stream = prepared[name]
        target = specs[name].lends_to  # the borrower, when this stream lends and it has analyses
        lent = stream.lends is not None and target in runs and bool(runs[target].specs)
        borrower = runs[target] if lent else None
        if not runs[name].specs and borrower is None:
            continue
        start = time.perf_counter()
        total = num_blocks(len(stream.segments), block)
        first, stop = shard.blocks(total)
        runs[name].begin_part("own", (first, stop), total)
        if borrower is not None:
            borrower.begin_part(f"lent:{name}", (first, stop), total)
        outside = [i for i in range(len(stream.segments)) if not first * block <= i < stop * block]
        leave_out = sorted({*skip.get(name, ()), *outside})
        positions = torch.tensor(stream.lends.positions if lent else [], dtype=torch.long)
        norms = runs[name].needs_norms or (borrower is not None and borrower.needs_norms)
        for batch in stream_batches(name, lm, stream.segments, config, timings=timings,
                                    description=stream.description, extractor=stream.extractor,
                                    skip=leave_out, budget=budget, norms=norms):
            at = int(batch.index[0]) // block
            runs[name].update(batch, timings, "own", at)
            if borrower is not None:  # the same maps, numbered as the borrower's segments
                there = positions[batch.index.cpu()].to(batch.index.device)
                borrower.update(replace(batch, index=there), timings, f"lent:{name}", at)
            if on_batch is not None:
                on_batch()
        if borrower is not None:
            skip[target] = list(stream.lends.positions)
        timings.streams[name] = {"seconds": seconds[name] + time.perf_counter() - start,
                                 "segments": len(stream.segments) - len(leave_out)}
    for name in prepared:
        if runs[name].trees:
            states[name] = runs[name].partials()
    return states


def stream_documents(prepared: dict[str, StreamInput], lm: LoadedModel, config: BuildConfig,
                     timings: Timings, shards: Sequence[dict[str, dict[str, dict[str, Any]]]]
                     ) -> dict[str, dict[str, Any]]:
    """The merged documents by results file from every shard's ``stream_states`` (in shard
    order): each stream's accumulators get the merged states, then ``result()``."""
    documents: dict[str, dict[str, Any]] = {}
    for name in prepared:  # registry order, whichever stream ran first
        if not shards or name not in shards[0]:
            continue
        run = StreamRun(name, lm, config, prepared[name].data)
        run.load([shard[name] for shard in shards])
        for file, doc in run.documents(timings).items():
            base = documents.get(file) or {"schema": SCHEMA, "model": model_summary(lm)}
            documents[file] = merge_documents([base, prepared[name].header, doc])
    return documents


def norms_available(config: BuildConfig, lm: LoadedModel) -> BuildConfig:
    """``config``, with ``norms`` turned off (and said so) when the model's values cannot be
    captured (``value_norms.unsupported``): the build goes on without norms.json, and its
    manifest says ``norms: false``."""
    if not config.norms:
        return config
    reason = unsupported(lm.model, lm.num_layers)
    if reason is None:
        return config
    say(f"norm-based attention left out: {reason} (norms.json not written)")
    return replace(config, norms=False)


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


def build_results(config: BuildConfig, timings: Timings, *, commit: bool = True,
                  shard_states: Sequence[dict[str, Any]] | None = None) -> dict[str, Path]:
    """Load the model, prepare each stream, run every analysis, write OUT/results/*.json
    (``commit=False``: leave them staged, see ``write_results``).

    ``config.shard`` set: run that shard only and write its states (``write_shard_states``)
    instead. ``shard_states``: every shard's states, already run (``headatlas merge``), merged
    here in order; ``config.engine == "ray"``: the shards run on a Ray actor pool. Either way
    the driver then does what a one-process build does: model steps (the probes train here),
    post-processing and the results."""
    reader = read_ahead(config)  # plain text read and parsed meanwhile, on another core
    try:
        with timings.stage("load model"):
            lm = load_model(config.model, device=config.device, precision=config.precision,
                            trust_remote_code=config.trust_remote_code, bos=config.bos,
                            decoders=True)
            lm.name = model_label(config.model, config.model_name)  # never a full path
        if (notice := max_len_notice(config, lm)) is not None:
            say(notice)
        check_layer_slices(config, lm)
        config = norms_available(config, lm)
        # Every stream reads its input before any is run, so a broken file fails in seconds.
        prepared, seconds = prepare_streams(config, lm, timings)
    finally:
        if reader is not None:
            reader.stop()
    inputs: dict[str, str] = {}
    for stream in prepared.values():
        inputs.update(stream.inputs)
    budget = CacheBudget(config.cache_max_gb * 1e9)
    if config.shard is not None:
        shard = parse_shard(config.shard)
        states = stream_states(prepared, lm, config, timings, seconds, shard=shard,
                              budget=budget)
        with timings.stage("write states"):
            path = write_shard_states(config, lm, prepared, shard, states)
        return {shard.name: path}
    if shard_states is not None:
        check_corpus(shard_states, lm, prepared)
        shards = [meta["streams"] for meta in shard_states]
    elif config.engine == "ray":
        from generator.ray_engine import run_ray  # ray: imported only for --engine ray

        shards = run_ray(config, lm, prepared, timings)
    else:
        shards = [stream_states(prepared, lm, config, timings, seconds, budget=budget)]
    if config.cache and shard_states is None and config.engine != "ray":
        say(budget.summary(config.cache_root / "attention"))
    with timings.stage("merge shards"):
        documents = stream_documents(prepared, lm, config, timings, shards)
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
                     if k not in ("out", "cache", "cache_dir", "cache_max_gb", "site",
                                  *ENGINE_SETTINGS)
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


LOCAL_SETTINGS = ("out", "cache", "cache_dir", "site", "site_url", "offline_site",
                  *ENGINE_SETTINGS)
"""Settings a shard may choose for itself: where it writes and runs, not what it computes."""


def shard_settings(config: BuildConfig) -> dict[str, Any]:
    """The settings every shard of one build must share (and the merge rebuilds its config
    from)."""
    return {k: v for k, v in config_as_dict(config).items() if k not in LOCAL_SETTINGS}


def corpus_digests(prepared: Mapping[str, StreamInput]) -> dict[str, str]:
    """Each stream's segments digest: shards (and the driver) must cut the same corpus."""
    return {name: segments_digest(stream.segments) for name, stream in prepared.items()}


def shard_meta(config: BuildConfig, lm: LoadedModel, prepared: Mapping[str, StreamInput],
               shard: Shard) -> dict[str, Any]:
    """What a state file says of its build, checked by ``headatlas merge``."""
    return {"shard": [shard.index, shard.count], "model": lm.fingerprint, "seed": config.seed,
            "settings": shard_settings(config), "corpus": corpus_digests(prepared),
            "versions": numeric_versions()}


def write_shard_states(config: BuildConfig, lm: LoadedModel,
                       prepared: Mapping[str, StreamInput], shard: Shard,
                       states: dict[str, Any]) -> Path:
    """OUT/states/shard-K-of-W.safetensors + .json; returns the JSON's path."""
    from generator.states import write_state_files

    _, json_path = write_state_files(config.out / "states" / shard.name, states,
                                     shard_meta(config, lm, prepared, shard))
    return json_path


def check_corpus(shard_states: Sequence[dict[str, Any]], lm: LoadedModel,
                 prepared: Mapping[str, StreamInput]) -> None:
    """The driver's model and streams must be those the shards ran."""
    first = shard_states[0]
    where = first.get("path", "shard states")
    if first["model"] != lm.fingerprint:
        raise HeadAtlasError("the shards ran another model than the merge loads "
                             "(fingerprints differ)", path=where)
    mine = corpus_digests(prepared)
    for name, digest in first["corpus"].items():
        if mine.get(name) != digest:
            raise HeadAtlasError(f"stream {name}: the merge cuts other segments than the shards "
                                 "did (corpus files changed?)", path=where)


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
