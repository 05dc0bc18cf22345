"""The one place streams, analyses and post-processing steps are registered.

Adding an analysis is adding its module (an Accumulator), one line here and its template.
``STREAMS`` holds each stream's ``StreamSpec`` (``generator.streams.base``): its ``prepare``, what
it takes from other streams (``needs``) and the stream it may lend its batches to (``lends_to``).
An analysis's ``stream`` names the corpus it consumes; ``results_file`` the JSON document
under OUT/results/ that its ``result()`` is merged into. ``POSTPROCESSORS`` run after every stream,
in order, on the finished documents (by file name); they derive values from results, never from
attention. ``MODEL_STEPS`` (by results file) are model work that is trained, not accumulated
(e.g. the probes); they run after the streams.

Every stream, analysis and model step names the model kinds it serves (``kinds``: "encoder",
"decoder" or both; an entry without it serves encoders only): a build runs the entries of its
model's kind (``LoadedModel.kind``). A decoder (SPEC section 11) gets the causal statistics, the
synthetic (induction) and no-BOS (sink position) streams, and no probes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from generator.analyses.base import Accumulator
from generator.analyses.behaviour import add_behaviour_labels
from generator.analyses.blocks import BlockMass
from generator.analyses.causal_entropy import CausalEntropy
from generator.analyses.causal_surface import CausalSurfaceStats, NoBosSurface
from generator.analyses.coref import CorefHeads
from generator.analyses.distances import HeadDistances
from generator.analyses.entropy import AttentionEntropy
from generator.analyses.examples import AttentionExamples
from generator.analyses.gradients import GradientImportance, add_gradient_layer_means
from generator.analyses.headmap import add_head_map
from generator.analyses.induction import InductionScores
from generator.analyses.norms import CausalNormShares, NormShares, add_norm_layer_means
from generator.analyses.sinks import add_sinks
from generator.analyses.surface import SurfaceStats, add_layer_means
from generator.analyses.syntax import DependencySyntax
from generator.model.loading import Kind
from generator.probes.run import run_probes
from generator.streams.base import ModelStep, Need, StreamSpec
from generator.streams.coref import prepare_coref
from generator.streams.general import prepare_general
from generator.streams.gradients import prepare_gradients
from generator.streams.no_bos import prepare_no_bos
from generator.streams.syntax import prepare_syntax
from generator.streams.synthetic import prepare_synthetic

BOTH: tuple[Kind, ...] = ("encoder", "decoder")
DECODER: tuple[Kind, ...] = ("decoder",)


@dataclass(frozen=True)
class AnalysisSpec:
    accumulator: type[Accumulator]
    stream: str
    results_file: str
    kinds: tuple[Kind, ...] = ("encoder",)
    """The model kinds (``LoadedModel.kind``) the analysis serves."""
    when: str | None = None
    """A boolean ``BuildConfig`` setting that must be on for the analysis to run (None:
    always)."""

    @property
    def name(self) -> str:
        return self.accumulator.name


@dataclass(frozen=True)
class ModelStepSpec:
    """A model step (``ModelStep``) and the model kinds it serves."""

    step: ModelStep
    kinds: tuple[Kind, ...] = ("encoder",)


STREAMS: dict[str, StreamSpec] = {
    "general": StreamSpec(prepare_general, kinds=BOTH),
    "coref": StreamSpec(prepare_coref, kinds=BOTH),
    # without a treebank, parses the general stream's plain text
    "syntax": StreamSpec(prepare_syntax, needs=(Need("general", "text"),), kinds=BOTH),
    # a sample of the general segments, whose batches serve the general analyses too
    "gradients": StreamSpec(prepare_gradients,
                            needs=(Need("general", "segments"), Need("general", "header"),
                                   Need("general", "inputs")),
                            lends_to="general", kinds=BOTH),
    # decoders: repeated random sequences for the induction scores
    "synthetic": StreamSpec(prepare_synthetic, kinds=DECODER),
    # decoders with BOS: a sample of the general segments without it, for the sink position
    "no_bos": StreamSpec(prepare_no_bos, needs=(Need("general", "segments"),), kinds=DECODER),
}

ANALYSES: tuple[AnalysisSpec, ...] = (
    AnalysisSpec(SurfaceStats, stream="general", results_file="general"),
    AnalysisSpec(AttentionEntropy, stream="general", results_file="general"),
    AnalysisSpec(CausalSurfaceStats, stream="general", results_file="general", kinds=DECODER),
    AnalysisSpec(CausalEntropy, stream="general", results_file="general", kinds=DECODER),
    AnalysisSpec(AttentionExamples, stream="general", results_file="examples", kinds=BOTH),
    AnalysisSpec(CorefHeads, stream="coref", results_file="coref", kinds=BOTH),
    AnalysisSpec(HeadDistances, stream="general", results_file="heads", kinds=BOTH),
    AnalysisSpec(BlockMass, stream="general", results_file="heads", kinds=BOTH),
    AnalysisSpec(DependencySyntax, stream="syntax", results_file="syntax", kinds=BOTH),
    AnalysisSpec(GradientImportance, stream="gradients", results_file="gradients", kinds=BOTH),
    AnalysisSpec(InductionScores, stream="synthetic", results_file="general", kinds=DECODER),
    AnalysisSpec(NoBosSurface, stream="no_bos", results_file="general", kinds=DECODER),
    AnalysisSpec(NormShares, stream="general", results_file="norms", when="norms"),
    AnalysisSpec(CausalNormShares, stream="general", results_file="norms", kinds=DECODER,
                 when="norms"),
)

MODEL_STEPS: dict[str, ModelStepSpec] = {
    # ROOT is scored from [CLS]/[SEP], or a decoder's BOS (generator.probes.features)
    "probes": ModelStepSpec(run_probes, kinds=BOTH),
}

PostProcessor = Callable[[dict[str, dict[str, Any]]], None]

POSTPROCESSORS: tuple[PostProcessor, ...] = (
    add_layer_means,
    add_norm_layer_means,
    add_sinks,  # decoders only (general.json with a "first" metric)
    add_head_map,
    add_behaviour_labels,
    add_gradient_layer_means,
)


def analyses_for(stream: str, kind: str = "encoder", config: Any = None
                 ) -> list[AnalysisSpec]:
    """The analyses of ``stream`` that serve models of ``kind``, in registry order; with a
    ``config``, only those whose ``when`` setting is on."""
    return [spec for spec in ANALYSES if spec.stream == stream and kind in spec.kinds
            and (config is None or spec.when is None or getattr(config, spec.when))]
