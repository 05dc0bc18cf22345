"""Declared needs between streams: the order they are prepared in and what each is handed."""

from __future__ import annotations

import pytest

from generator.config import BuildConfig
from generator.pipeline import prepare_streams
from generator.streams.base import Lending, Need, StreamInput, StreamSpec, preparation_order
from generator.timings import Timings


def spec(*needs: tuple[str, str], lends_to: str | None = None) -> StreamSpec:
    return StreamSpec(lambda config, lm, **kw: None, tuple(Need(s, p) for s, p in needs),
                      lends_to)


def test_registry_order_is_kept_where_every_need_comes_earlier():
    specs = {"a": spec(), "b": spec(("a", "text")), "c": spec(), "d": spec(("a", "segments"))}
    assert preparation_order(specs) == ["a", "b", "c", "d"]


def test_a_stream_comes_after_the_streams_it_needs():
    # b needs d (registered last), d needs c: c and d move before b, the rest keep their order.
    specs = {"a": spec(), "b": spec(("d", "segments")), "c": spec(), "d": spec(("c", "text")),
             "e": spec()}
    assert preparation_order(specs) == ["a", "c", "d", "b", "e"]


def test_a_cycle_and_unknown_names_are_registry_mistakes():
    with pytest.raises(ValueError, match="a -> b -> a"):
        preparation_order({"a": spec(("b", "text")), "b": spec(("a", "text"))})
    with pytest.raises(ValueError, match="'a' needs an unknown stream 'x'"):
        preparation_order({"a": spec(("x", "text"))})
    with pytest.raises(ValueError, match="'a' lends to an unknown stream 'x'"):
        preparation_order({"a": spec(lends_to="x")})


def test_a_need_is_passed_under_its_stream_and_part():
    assert Need("general", "segments").arg == "general_segments"
    base = StreamInput(segments=[], header={"corpus": {}}, inputs={"f": "0"})
    got = spec(("g", "header"), ("g", "inputs"), ("h", "text")).arguments({"g": base})
    assert got == {"g_header": {"corpus": {}}, "g_inputs": {"f": "0"}, "h_text": None}
    assert got["g_header"] is base.header


def test_prepare_streams_hands_each_stream_exactly_its_needs(tmp_path):
    calls: dict[str, dict] = {}
    made = {"first": StreamInput(segments=[], header={"n": 1}, inputs={"x": "1"}),
            "late": StreamInput(segments=[], inputs={"y": "2"})}

    def preparer(name: str):
        def prepare(config, lm, **kwargs):
            calls[name] = kwargs
            return made.get(name)
        return prepare

    specs = {"user": StreamSpec(preparer("user"),
                                (Need("late", "inputs"), Need("none", "segments"),
                                 Need("first", "header"))),
             "first": StreamSpec(preparer("first")),
             "none": StreamSpec(preparer("none")),
             "late": StreamSpec(preparer("late"))}
    prepared, seconds = prepare_streams(BuildConfig(out=tmp_path), None, Timings(), specs)
    assert list(calls) == ["first", "none", "late", "user"]  # needs first, then registry order
    assert calls["first"] == calls["none"] == calls["late"] == {}
    assert calls["user"] == {"late_inputs": {"y": "2"}, "none_segments": None,
                             "first_header": {"n": 1}}
    assert list(prepared) == ["first", "late"]  # registry order, "none" and "user" gave None
    assert set(seconds) == set(specs)


def test_lending_needs_a_declared_borrower(tmp_path):
    lender = StreamInput(segments=[], lends=Lending([0]))
    specs = {"a": StreamSpec(lambda config, lm: lender)}
    with pytest.raises(ValueError, match="'a' lends its batches but .* no lends_to"):
        prepare_streams(BuildConfig(out=tmp_path), None, Timings(), specs)
    specs = {"a": StreamSpec(lambda config, lm: lender, lends_to="b"),
             "b": StreamSpec(lambda config, lm: None)}
    assert prepare_streams(BuildConfig(out=tmp_path), None, Timings(), specs)[0] == {"a": lender}
