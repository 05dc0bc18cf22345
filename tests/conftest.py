"""Shared fixtures: tiny random models built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import make_tiny_model


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory: pytest.TempPathFactory):
    """The per-user cache (weight hashes) of every test, and of the builds tests start in
    subprocesses, is a temporary folder: tests never write to the real ~/.cache."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory):
    """A factory: tiny_model_dir(kind) -> folder with a saved tiny random model of that kind."""
    made: dict[tuple[str, bool], Path] = {}

    def get(kind: str = "bert", masked_lm: bool = False) -> Path:
        key = (kind, masked_lm)
        if key not in made:
            folder = tmp_path_factory.mktemp(f"tiny-{kind}{'-mlm' if masked_lm else ''}")
            made[key] = make_tiny_model(folder, kind, masked_lm=masked_lm)
        return made[key]

    return get


@pytest.fixture(scope="session")
def tiny_bert(tiny_model_dir) -> Path:
    return tiny_model_dir("bert")
