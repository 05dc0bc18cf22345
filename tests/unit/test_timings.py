"""The process's wall seconds that a build reports beside its stages."""

import subprocess
import sys
import time

import pytest

from generator.timings import process_seconds


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_process_seconds_counts_from_the_process_start():
    # a fresh interpreter sleeps 0.6 s before asking: the answer covers the sleep and its start
    code = ("import time; time.sleep(0.6); from generator.timings import process_seconds; "
            "print(process_seconds())")
    seconds = float(subprocess.run([sys.executable, "-c", code], check=True,
                                   capture_output=True, text=True).stdout)
    assert 0.6 <= seconds < 30


def test_process_seconds_grows_with_time():
    first = process_seconds()
    if first is None:
        pytest.skip("no /proc here")
    time.sleep(0.05)
    assert process_seconds() >= first + 0.03
