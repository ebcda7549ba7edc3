"""limits.memory_cap lowers the process's address-space limit only while no other thread
could launch a program that inherits it."""
from __future__ import annotations

import threading

import pytest

from onnx2c.limits import memory_cap

resource = pytest.importorskip("resource")


def _soft() -> int:
    return resource.getrlimit(resource.RLIMIT_AS)[0]


@pytest.mark.skipif(_soft() != resource.RLIM_INFINITY, reason="an address-space limit is set")
def test_cap_applies_alone_and_is_undone():
    with memory_cap(1 << 30):
        assert _soft() != resource.RLIM_INFINITY
    assert _soft() == resource.RLIM_INFINITY


def test_cap_is_left_alone_while_another_thread_runs():
    before, release = _soft(), threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with memory_cap(1 << 30):
            assert _soft() == before
    finally:
        release.set()
        other.join()
