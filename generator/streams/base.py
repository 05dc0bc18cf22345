"""A stream is one corpus the model is run over: its segments plus what its analyses need.

Each stream has a ``prepare(config, model, earlier)`` function, registered in
``generator.analyses.registry.STREAMS``, that returns a ``StreamInput`` (or None when the user did
not ask for it, e.g. no treebank given). Analyses registered for that stream consume its batches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.config import BuildConfig
from generator.encoding.segment import Segment
from generator.model.batch import AttentionBatch
from generator.model.loading import LoadedModel
from generator.timings import Timings

BatchSource = Callable[..., Iterator[AttentionBatch]]


@dataclass(frozen=True)
class Lending:
    """A stream whose batches also feed another stream's analyses, because the attention of its
    segments is the very same there: that stream then skips them instead of running them again
    (e.g. the gradient sample, when its objective leaves the input as it is, lends its batches
    to the general stream)."""

    stream: str
    """The borrowing stream's name."""
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
    documents: list[list[str]] | None = None
    """The plain-text documents (sentences) the segments were cut from, when there are any:
    later streams that need the same text (e.g. syntax without a treebank) reuse them instead of
    reading the corpus again."""
    description: str = "Extracting attention"
    extractor: BatchSource | None = None
    """None: the usual cached attention extraction. Otherwise what yields this stream's batches
    (called as ``extractor(segments, batch_size=, description=, timings=)``), never cached:
    e.g. the gradient extractor, which needs a backward pass."""
    lends: Lending | None = None
    """Set when this stream's batches also serve another stream (see ``Lending``)."""


Preparer = Callable[[BuildConfig, LoadedModel, Mapping[str, StreamInput]], StreamInput | None]
"""``prepare(config, model, earlier)``: ``earlier`` holds the streams prepared before this one
(registry order), so a stream can reuse their corpus instead of reading it again."""


@dataclass
class StepOutput:
    """What a model step (work that is trained rather than accumulated, e.g. the probes)
    returns: its results document and its input files with their sha256."""

    document: dict[str, Any]
    inputs: dict[str, str] = field(default_factory=dict)


ModelStep = Callable[[BuildConfig, LoadedModel, Timings], StepOutput | None]
