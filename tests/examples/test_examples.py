"""The runnable examples do what their READMEs say: build, run in C, agree with onnxruntime."""
from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.parametrize("example", ["seed_motion", "kws"])
def test_example_runs_and_matches_onnxruntime(example):
    p = subprocess.run([sys.executable, str(REPO / "examples" / example / "run.py")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "MISMATCH" not in p.stdout
