from __future__ import annotations

from pathlib import Path

import pytest

from generator.render.site_data import SiteData, load_site_data

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "results"
DECODER_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "results-decoder"


@pytest.fixture
def fixture_data() -> SiteData:
    """The hand-made results of a 2-layer x 3-head model (tests/fixtures/results)."""
    return load_site_data(FIXTURE)


@pytest.fixture
def decoder_data() -> SiteData:
    """The hand-made results of a 2-layer x 3-head decoder (tests/fixtures/results-decoder)."""
    return load_site_data(DECODER_FIXTURE)
