"""Shared fixtures: tiny random models built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_tiny_model


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
