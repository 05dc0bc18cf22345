"""The stream entries of the registry agree with their preparers and with the build's order."""

from __future__ import annotations

import inspect

from generator.analyses.registry import STREAMS
from generator.streams.base import Need, preparation_order


def test_every_preparer_takes_exactly_the_needs_its_entry_declares():
    for name, spec in STREAMS.items():
        params = list(inspect.signature(spec.prepare).parameters)
        assert params[:2] == ["config", "lm"], name
        assert sorted(params[2:]) == sorted(need.arg for need in spec.needs), name


def test_the_registry_order_is_already_a_preparation_order():
    assert preparation_order(STREAMS) == list(STREAMS)


def test_only_syntax_and_gradients_depend_on_the_general_stream():
    assert STREAMS["syntax"].needs == (Need("general", "text"),)
    assert {need.stream for need in STREAMS["gradients"].needs} == {"general"}
    assert STREAMS["gradients"].lends_to == "general"
    others = [(name, spec.needs, spec.lends_to) for name, spec in STREAMS.items()
              if name not in ("syntax", "gradients")]
    assert others == [("general", (), None), ("coref", (), None)]
    assert STREAMS["syntax"].lends_to is None
