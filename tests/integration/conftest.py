"""Tiny random decoders, built once per session (tests/helpers.make_tiny_decoder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import make_tiny_decoder


@pytest.fixture(scope="session")
def tiny_decoder_dir(tmp_path_factory: pytest.TempPathFactory):
    """A factory: tiny_decoder_dir(kind) -> folder with a saved tiny random causal LM."""
    made: dict[str, Path] = {}

    def get(kind: str = "llama") -> Path:
        if kind not in made:
            made[kind] = make_tiny_decoder(tmp_path_factory.mktemp(f"tiny-{kind}"), kind)
        return made[kind]

    return get
