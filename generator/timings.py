"""Seconds spent per build stage, printed at the end of a build and read by the benchmark."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


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


def process_seconds() -> float | None:
    """Wall seconds since this process started, interpreter start and imports included (what
    the stages do not cover): from /proc on Linux, None where there is none."""
    try:
        # fields after the command's closing parenthesis start at field 3; starttime is 22
        start = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, uptime - start / os.sysconf("SC_CLK_TCK"))
