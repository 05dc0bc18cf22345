"""One torch thread for many tiny tensor operations (per-sentence maps, probe steps).

The thread pool's dispatch costs more than the arithmetic on such small tensors (measured 1 ms vs
8-80 ms per sentence on a busy 2-core machine). The model's forward pass keeps its threads.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the body on one torch thread; the previous setting is restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
