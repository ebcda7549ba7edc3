"""Stage names and timings on stderr for the steps a user waits on.

Off unless the command line turns it on (it does when stderr is a terminal, unless -q):
a stage that runs longer than a second announces itself when that second is up and
reports its time when it ends, so a long verify is never silent and a quick one prints
nothing. Library callers see nothing.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import time

AFTER = 1.0         # seconds a stage runs before it is worth mentioning
_enabled = False


def enable(on: bool) -> None:
    global _enabled
    _enabled = on


@contextlib.contextmanager
def stage(name: str):
    if not _enabled:
        yield
        return
    start = time.monotonic()
    say = lambda text: print(f"onnx2c: {text}", file=sys.stderr, flush=True)
    timer = threading.Timer(AFTER, say, (f"{name} ...",))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        took = time.monotonic() - start
        if took >= AFTER:
            say(f"{name}: {took:.1f} s")
