"""The stream entries of the registry agree with their preparers and with the build's order."""

from __future__ import annotations

import inspect

from generator.analyses.blocks import BlockMass
from generator.analyses.causal_entropy import CausalEntropy
from generator.analyses.causal_surface import CausalSurfaceStats, NoBosSurface
from generator.analyses.coref import CorefHeads
from generator.analyses.distances import HeadDistances
from generator.analyses.examples import AttentionExamples
from generator.analyses.gradients import GradientImportance
from generator.analyses.induction import InductionScores
from generator.analyses.norms import CausalNormShares
from generator.analyses.registry import MODEL_STEPS, POSTPROCESSORS, STREAMS, analyses_for
from generator.analyses.sinks import add_sinks
from generator.analyses.syntax import DependencySyntax
from generator.config import BuildConfig
from generator.streams.base import Need, preparation_order


def test_every_preparer_takes_exactly_the_needs_its_entry_declares():
    for name, spec in STREAMS.items():
        params = list(inspect.signature(spec.prepare).parameters)
        assert params[:2] == ["config", "lm"], name
        assert sorted(params[2:]) == sorted(need.arg for need in spec.needs), name


def test_the_registry_order_is_already_a_preparation_order():
    assert preparation_order(STREAMS) == list(STREAMS)


def test_only_syntax_gradients_and_no_bos_depend_on_the_general_stream():
    assert STREAMS["syntax"].needs == (Need("general", "text"),)
    assert {need.stream for need in STREAMS["gradients"].needs} == {"general"}
    assert STREAMS["gradients"].lends_to == "general"
    assert STREAMS["no_bos"].needs == (Need("general", "segments"),)
    others = [(name, spec.needs, spec.lends_to) for name, spec in STREAMS.items()
              if name not in ("syntax", "gradients", "no_bos")]
    assert others == [("general", (), None), ("coref", (), None), ("synthetic", (), None)]
    assert STREAMS["syntax"].lends_to is None and STREAMS["no_bos"].lends_to is None


def test_an_encoder_gets_exactly_the_analyses_it_had_before_decoders():
    """Encoder builds are unchanged: the same streams, analyses (in the same order, so the
    documents merge as before) and model steps."""
    encoder_streams = [name for name, spec in STREAMS.items() if spec.serves("encoder")]
    assert encoder_streams == ["general", "coref", "syntax", "gradients"]
    by_stream = {name: [spec.name for spec in analyses_for(name, "encoder")]
                 for name in encoder_streams}
    assert by_stream == {"general": ["surface", "entropy", "examples", "distances", "blocks",
                                     "norm_shares"],
                         "coref": ["coref"], "syntax": ["syntax"], "gradients": ["gradients"]}
    assert analyses_for("general") == analyses_for("general", "encoder")
    # the norm-based analysis writes its own file, so the others' documents are as before
    assert [spec.results_file for spec in analyses_for("general", "encoder")
            if spec.name == "norm_shares"] == ["norms"]
    assert [name for name, entry in MODEL_STEPS.items() if "encoder" in entry.kinds] == ["probes"]


def test_a_decoder_gets_the_analyses_of_spec_section_11():
    decoder_streams = [name for name, spec in STREAMS.items() if spec.serves("decoder")]
    assert decoder_streams == ["general", "coref", "syntax", "gradients", "synthetic", "no_bos"]
    got = {name: [(spec.accumulator, spec.results_file) for spec in analyses_for(name, "decoder")]
           for name in decoder_streams}
    assert got == {
        "general": [(CausalSurfaceStats, "general"), (CausalEntropy, "general"),
                    (AttentionExamples, "examples"), (HeadDistances, "heads"),
                    (BlockMass, "heads"), (CausalNormShares, "norms")],
        "coref": [(CorefHeads, "coref")],
        "syntax": [(DependencySyntax, "syntax")],
        "gradients": [(GradientImportance, "gradients")],
        "synthetic": [(InductionScores, "general")],
        "no_bos": [(NoBosSurface, "general")],
    }
    assert [name for name, entry in MODEL_STEPS.items() if "decoder" in entry.kinds] == ["probes"]
    assert add_sinks in POSTPROCESSORS


def test_no_norms_leaves_out_the_norm_based_analysis():
    on, off = BuildConfig(), BuildConfig(norms=False)
    for kind in ("encoder", "decoder"):
        names = [spec.name for spec in analyses_for("general", kind, on)]
        assert any(name.endswith("norm_shares") for name in names)
        without = [spec.name for spec in analyses_for("general", kind, off)]
        assert without == [name for name in names if not name.endswith("norm_shares")]
