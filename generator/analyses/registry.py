"""The one place streams, analyses and post-processing steps are registered.

Adding an analysis is adding its module (an Accumulator), one line here and its template.
``STREAMS`` holds each stream's ``StreamSpec`` (``generator.streams.base``): its ``prepare``, what
it takes from other streams (``needs``) and the stream it may lend its batches to (``lends_to``).
An analysis's ``stream`` names the corpus it consumes; ``results_file`` the JSON document
under OUT/results/ that its ``result()`` is merged into. ``POSTPROCESSORS`` run after every stream,
in order, on the finished documents (by file name); they derive values from results, never from
attention. ``MODEL_STEPS`` (by results file) are model work that is trained, not accumulated
(e.g. the probes); they run after the streams.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.analyses.base import Accumulator
from generator.analyses.behaviour import add_behaviour_labels
from generator.analyses.blocks import BlockMass
from generator.analyses.coref import CorefHeads
from generator.analyses.distances import HeadDistances
from generator.analyses.entropy import AttentionEntropy
from generator.analyses.examples import AttentionExamples
from generator.analyses.gradients import GradientImportance, add_gradient_layer_means
from generator.analyses.headmap import add_head_map
from generator.analyses.surface import SurfaceStats, add_layer_means
from generator.analyses.syntax import DependencySyntax
from generator.probes.run import run_probes
from generator.streams.base import ModelStep, Need, StreamSpec
from generator.streams.coref import prepare_coref
from generator.streams.general import prepare_general
from generator.streams.gradients import prepare_gradients
from generator.streams.syntax import prepare_syntax


@dataclass(frozen=True)
class AnalysisSpec:
    accumulator: type[Accumulator]
    stream: str
    results_file: str

    @property
    def name(self) -> str:
        return self.accumulator.name


STREAMS: dict[str, StreamSpec] = {
    "general": StreamSpec(prepare_general),
    "coref": StreamSpec(prepare_coref),
    # without a treebank, parses the general stream's plain text
    "syntax": StreamSpec(prepare_syntax, needs=(Need("general", "text"),)),
    # a sample of the general segments, whose batches serve the general analyses too
    "gradients": StreamSpec(prepare_gradients,
                            needs=(Need("general", "segments"), Need("general", "header"),
                                   Need("general", "inputs")),
                            lends_to="general"),
}

ANALYSES: tuple[AnalysisSpec, ...] = (
    AnalysisSpec(SurfaceStats, stream="general", results_file="general"),
    AnalysisSpec(AttentionEntropy, stream="general", results_file="general"),
    AnalysisSpec(AttentionExamples, stream="general", results_file="examples"),
    AnalysisSpec(CorefHeads, stream="coref", results_file="coref"),
    AnalysisSpec(HeadDistances, stream="general", results_file="heads"),
    AnalysisSpec(BlockMass, stream="general", results_file="heads"),
    AnalysisSpec(DependencySyntax, stream="syntax", results_file="syntax"),
    AnalysisSpec(GradientImportance, stream="gradients", results_file="gradients"),
)

MODEL_STEPS: dict[str, ModelStep] = {
    "probes": run_probes,
}

PostProcessor = Callable[[dict[str, dict[str, Any]]], None]

POSTPROCESSORS: tuple[PostProcessor, ...] = (
    add_layer_means,
    add_head_map,
    add_behaviour_labels,
    add_gradient_layer_means,
)


def analyses_for(stream: str) -> list[AnalysisSpec]:
    return [spec for spec in ANALYSES if spec.stream == stream]
