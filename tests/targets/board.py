"""Running many small cases on an emulated board: each case's build and emulator run are
subprocesses, so two at a time keep both cores busy."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest


def run_cases(target, cases, run, tmp_path_factory, label: str) -> dict:
    """{case: run(case, folder)} for every case, each in a folder of its own under a fresh
    temporary directory; skips the calling test when the target's tools are missing."""
    if target.missing():
        pytest.skip(target.missing())
    root = tmp_path_factory.mktemp(label)
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(cases, pool.map(lambda c: run(c, root / _folder(c)), cases)))


def _folder(case) -> str:
    return "_".join(map(str, case)) if isinstance(case, tuple) else str(case)
