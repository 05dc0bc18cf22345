"""The allocator setting takes effect where glibc is the allocator."""

import ctypes.util
import sys

import pytest

from generator.allocator import keep_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux") or ctypes.util.find_library("c") is None,
                    reason="glibc only")
def test_glibc_accepts_the_thresholds():
    assert keep_freed_memory() is True
