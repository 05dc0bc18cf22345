"""One torch thread for many tiny tensor operations (per-sentence maps, probe steps).

The thread pool's dispatch costs more than the arithmetic on such small tensors (measured 1 ms vs
8-80 ms per sentence on a busy 2-core machine). The model's forward pass keeps its threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import torch

T = TypeVar("T")


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the body on one torch thread; the previous setting is restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def on_cores(work: Callable[[T], None], shares: Sequence[T]) -> None:
    """Run ``work(share)`` for every share at once, one Python thread each, every thread's torch
    ops on one core (``one_thread``; torch's ops release the GIL meanwhile).

    For loops of many small ops over independent pieces (head groups, segments): torch's own
    threads would meet at a barrier after each op, and on a busy machine every barrier waits for
    a descheduled thread (issue 20: the head distances took 7-14 s instead of 0.55 s at load 8).
    Each piece's ops are the same as on one thread, so the results are the same bits."""
    if len(shares) <= 1:
        for share in shares:
            work(share)
        return
    with one_thread(), ThreadPoolExecutor(len(shares)) as pool:
        list(pool.map(work, shares))


def deal(sizes: Sequence[int], workers: int) -> list[list[int]]:
    """The indices of ``sizes`` dealt to at most ``workers`` shares of about equal total size,
    largest first, each to the least loaded share; empty shares left out."""
    shares: list[list[int]] = [[] for _ in range(max(workers, 1))]
    load = [0] * len(shares)
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        j = load.index(min(load))
        shares[j].append(i)
        load[j] += sizes[i]
    return [sorted(s) for s in shares if s]
