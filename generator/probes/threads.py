"""One torch thread for the probes' many tiny tensor operations.

Per-sentence features and probe steps are small; the thread pool's dispatch costs more than it
saves (10x slower on a busy 2-core machine). The model's forward pass keeps its threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def one_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
