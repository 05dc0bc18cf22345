"""Keep freed tensor memory in the process instead of handing it back to the OS on every batch.

glibc serves large blocks (attention maps of a batch, the layers' activations: megabytes each)
with fresh ``mmap`` pages and returns them on ``free``, so every batch page-faults and zeroes its
memory again. Raising the mmap threshold to its maximum (32 MB) and never trimming the heap lets
later batches reuse the same pages. Measured on a BERT-base-sized model (2-core CPU, 128
segments): the extraction loop 17% faster (median of four alternating runs), the bare forward
pass about 14%; the benchmark's peak RSS of a whole build stayed at 1.7 GB.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
"""glibc's upper bound for M_MMAP_THRESHOLD on 64-bit systems (larger blocks are always mmapped)."""


def keep_freed_memory() -> bool:
    """Set glibc's mmap and trim thresholds (see module docstring); False where there is no glibc
    (macOS, musl), which is harmless: only speed differs."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_MAX) == 1
    ok = mallopt(M_TRIM_THRESHOLD, 2**31 - 1) == 1 and ok
    return ok
