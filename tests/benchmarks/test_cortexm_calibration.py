"""The Cortex-M instruction counter (CMSDK timer under QEMU -icount shift=0, 40 instructions
a tick) measures inline-assembly loops of known length to within one tick."""
from __future__ import annotations

import shutil

import pytest

from benchmarks.cortexm import calibrate

TOOLS = ("arm-none-eabi-gcc", "qemu-system-arm")
PACKAGES = "gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm"


@pytest.mark.skipif(not all(map(shutil.which, TOOLS)),
                    reason=f"needs {' and '.join(TOOLS)} (apt-get install {PACKAGES})")
def test_known_loops_within_one_tick(tmp_path):
    rows = calibrate(tmp_path)
    assert len(rows) == 6
    for expected, measured, error in rows:
        assert abs(measured - expected) <= 40, f"{measured} instructions measured, {expected} run"
