"""The ONNX backend suites through onnx2c, held to the checked-in expected-failure list.

Every test must pass (inputs at run time, or after freezing the inputs that decide output
shapes) unless expected_failures.txt lists it with a reason; a listed test that passes
fails this test too, so the list stays true.
"""
from __future__ import annotations

import collections
from pathlib import Path

import pytest

from onnx2c.conformance.__main__ import PASSING, read_expected, summarize
from onnx2c.conformance.cases import SUITES, collect
from onnx2c.conformance.runner import run_cases

EXPECTED = Path(__file__).with_name("expected_failures.txt")


@pytest.fixture(scope="module")
def results():
    # every suite the onnx wheel carries, the light model zoo (ResNet-50, VGG-19, ...) too
    return run_cases(collect(SUITES), jobs=2)


def test_every_failure_is_expected(results, capsys):
    with capsys.disabled():
        summarize(results)
    expected = read_expected(EXPECTED)
    failed = {r.name: r for r in results if r.status not in PASSING}
    new = sorted(set(failed) - set(expected))
    assert not new, "unexpected failures:\n" + "\n".join(
        f"{n}: {failed[n].status}: {failed[n].detail}" for n in new)


def test_no_expected_failure_passes(results):
    expected = read_expected(EXPECTED)
    passing = {r.name for r in results if r.status in PASSING}
    fixed = sorted(passing & set(expected))
    assert not fixed, f"these pass now; remove them from {EXPECTED.name}: {fixed}"


def test_expected_failures_have_reasons_and_exist(results):
    expected = read_expected(EXPECTED)
    ran = {r.name for r in results}
    assert all(reason for reason in expected.values())
    assert not set(expected) - ran, "listed tests that no longer exist"


def test_node_suite_thresholds(results):
    """At least 1,850 of onnx's 1,884 node tests pass, 1,750 with every input at run time."""
    node = [r for r in results if "/" not in r.name]
    by = collections.Counter(r.status for r in node)
    assert by["pass"] >= 1750, by
    assert by["pass"] + by["frozen"] >= 1850, by


def test_every_model_zoo_test_passes(results):
    light = [r for r in results if r.name.startswith("light/")]
    assert len(light) == 9 and all(r.status in PASSING for r in light), light
