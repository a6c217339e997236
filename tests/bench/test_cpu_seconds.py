"""The processor time a benchmark reads from /proc for a process (`bench.post_rate`'s
`cpu_us_per_request`)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bench.measure import cpu_seconds

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="this system has no /proc"
)


def test_the_processor_time_of_a_process_grows_with_the_work_it_does() -> None:
    before, started = cpu_seconds(), time.process_time()
    deadline = time.monotonic() + 10  # bounded in time, on a loaded machine too
    spun = 0
    while time.process_time() - started < 0.3 and time.monotonic() < deadline:
        spun += sum(range(1000))
    after, used = cpu_seconds(), time.process_time() - started
    assert before is not None
    assert after is not None
    assert spun > 0
    assert used >= 0.3
    assert abs((after - before) - used) <= 0.05  # /proc agrees with the process's own clock


def test_the_processor_time_of_an_idle_process_barely_moves() -> None:
    before = cpu_seconds()
    time.sleep(0.3)
    after = cpu_seconds()
    assert before is not None
    assert after is not None
    assert after - before < 0.1


def test_a_process_that_is_not_there_has_no_processor_time() -> None:
    assert cpu_seconds(2**22 + 12345) is None
