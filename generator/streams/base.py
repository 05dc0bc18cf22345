"""A stream is one corpus the model is run over: its segments plus what its analyses need.

Each stream is registered once, in ``generator.analyses.registry.STREAMS``, as a ``StreamSpec``:
its ``prepare`` function, what it takes from other streams (``needs``), the stream it may lend
its batches to (``lends_to``) and the model kinds it serves (``kinds``: the synthetic and no-BOS
streams serve decoders only). ``prepare(config, lm, **needs)`` returns a ``StreamInput`` (or None
when the user did not ask for it, e.g. no treebank given); the analyses registered for that
stream consume its batches.

A stream never looks at other streams' inputs on its own. What it reuses of another stream (the
syntax stream the general stream's plain text, the gradient sample the general segments) is
declared in its entry as ``Need``s and handed to ``prepare`` as keyword arguments; the pipeline
prepares the streams in ``preparation_order`` so that every need is ready. Lending is declared the
same way (``lends_to``) and carried out by ``generator.pipeline.stream_states`` for any stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from generator.config import BuildConfig
from generator.corpus.text_cache import TextCorpus
from generator.encoding.segment import Segment
from generator.model.batch import AttentionBatch
from generator.model.loading import Kind, LoadedModel
from generator.timings import Timings

BatchSource = Callable[..., Iterator[AttentionBatch]]


@dataclass(frozen=True)
class Lending:
    """This stream's batches also feed the analyses of the stream its registry entry names in
    ``lends_to`` (the borrower), because the attention of its segments is the very same there:
    the borrower then skips those segments instead of running them again (e.g. the gradient
    sample, when its objective leaves the input as it is, lends its batches to the general
    stream)."""

    positions: list[int]
    """For each of the lending stream's segments, its index among the borrower's segments."""


@dataclass
class StreamInput:
    segments: list[Segment]
    data: Any = None
    """Stream-specific data for the analyses (AnalysisContext.data), indexed like batch.index."""
    header: dict[str, Any] = field(default_factory=dict)
    """Top-level keys added to every results document of this stream (e.g. "corpus")."""
    inputs: dict[str, str] = field(default_factory=dict)
    """Input files and their sha256, for the manifest."""
    text: TextCorpus | None = None
    """The plain-text corpus (documents of sentences, description, input digests) the segments
    were cut from, when there is one: a stream that needs the same text (syntax without a
    treebank) declares a ``Need`` of it instead of reading the corpus again."""
    description: str = "Extracting attention"
    extractor: BatchSource | None = None
    """None: the usual cached attention extraction. Otherwise what yields this stream's batches
    (called as ``extractor(segments, batch_size=, description=, timings=)``), never cached:
    e.g. the gradient extractor, which needs a backward pass."""
    lends: Lending | None = None
    """Set when this stream's batches also serve the stream its entry ``lends_to`` (see
    ``Lending``); only a stream whose entry declares ``lends_to`` may set it."""


def stream_max_len(config: BuildConfig, lm: LoadedModel) -> int:
    """``--max-len`` capped at the model's positions (``LoadedModel.max_positions``): every
    stream's segments (general, syntax, coreference, probes) fit the model, which could not
    run a longer one (absolute position embeddings) or never saw one in training."""
    return min(config.max_len, lm.max_positions)


def max_len_notice(config: BuildConfig, lm: LoadedModel) -> str | None:
    """The one line a build says when ``stream_max_len`` caps ``--max-len``; None otherwise."""
    if config.max_len <= lm.max_positions:
        return None
    return (f"--max-len {config.max_len} is over the model's {lm.max_positions} positions: "
            f"every stream uses at most {lm.max_positions} tokens per segment")


Preparer = Callable[..., StreamInput | None]
"""``prepare(config, lm, **needs)``: one keyword argument per ``Need`` of its ``StreamSpec``."""

Part = Literal["segments", "text", "header", "inputs"]
"""The ``StreamInput`` attributes another stream may take."""


@dataclass(frozen=True)
class Need:
    """One thing a stream takes from another stream's prepared input: the attribute ``part`` of
    stream ``stream``'s ``StreamInput``, handed to ``prepare`` as the keyword argument ``arg``
    (``general_segments`` for ``Need("general", "segments")``). None when that stream was not
    prepared (its ``prepare`` returned None)."""

    stream: str
    part: Part

    @property
    def arg(self) -> str:
        return f"{self.stream}_{self.part}"


@dataclass(frozen=True)
class StreamSpec:
    """A stream's registry entry: how to prepare it, and how it depends on other streams."""

    prepare: Preparer
    needs: tuple[Need, ...] = ()
    """What ``prepare`` takes from other streams; they are prepared first."""
    lends_to: str | None = None
    """The stream this one may lend its batches to (``StreamInput.lends`` says whether it does,
    and which of the borrower's segments they are); lenders run before the other streams."""
    kinds: tuple[Kind, ...] = ("encoder",)
    """The model kinds (``LoadedModel.kind``) the stream serves: a build prepares only the
    streams of its model's kind (e.g. the synthetic sequences are for decoders alone)."""

    def serves(self, kind: str) -> bool:
        return kind in self.kinds

    def arguments(self, prepared: Mapping[str, StreamInput]) -> dict[str, Any]:
        """The keyword arguments of ``prepare``: each need taken from the prepared streams."""
        return {need.arg: getattr(prepared[need.stream], need.part)
                if need.stream in prepared else None for need in self.needs}


def preparation_order(specs: Mapping[str, StreamSpec]) -> list[str]:
    """The stream names in registry order, except that each comes after every stream it needs:
    each step takes the first stream (in registry order) whose needs are all prepared.

    Raises ValueError (a mistake in the registry, not in the user's input) for a need or a
    ``lends_to`` naming no registered stream, and for streams that need each other in a cycle.
    """
    for name, spec in specs.items():
        for need in spec.needs:
            if need.stream not in specs:
                raise ValueError(f"stream {name!r} needs an unknown stream {need.stream!r}")
        if spec.lends_to is not None and spec.lends_to not in specs:
            raise ValueError(f"stream {name!r} lends to an unknown stream {spec.lends_to!r}")
    order: list[str] = []
    remaining = list(specs)
    while remaining:
        ready = [name for name in remaining
                 if all(need.stream in order for need in specs[name].needs)]
        if not ready:  # every stream left waits for another one left: follow them to a cycle
            chain = [remaining[0]]
            while chain.count(chain[-1]) < 2:
                chain.append(next(need.stream for need in specs[chain[-1]].needs
                                  if need.stream not in order))
            cycle = chain[chain.index(chain[-1]):]
            raise ValueError("streams need each other: " + " -> ".join(cycle))
        order.append(ready[0])
        remaining.remove(ready[0])
    return order


@dataclass
class StepOutput:
    """What a model step (work that is trained rather than accumulated, e.g. the probes)
    returns: its results document and its input files with their sha256."""

    document: dict[str, Any]
    inputs: dict[str, str] = field(default_factory=dict)


ModelStep = Callable[[BuildConfig, LoadedModel, Timings], StepOutput | None]
