"""Seconds spent per build stage, printed at the end of a build and read by the benchmark."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Timings:
    stages: dict[str, float] = field(default_factory=dict)
    streams: dict[str, dict[str, float]] = field(default_factory=dict)
    """Per stream: its wall seconds (preparation, extraction and analyses; they overlap the
    stages, so they are not part of ``total``) and its number of segments."""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - start

    @property
    def total(self) -> float:
        return sum(self.stages.values())
