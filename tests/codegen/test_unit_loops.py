"""No loop of one iteration in generated C: a loop whose extent is 1 is left out (its index
is 0), in the repo's models and in a sample of node tests spread over the operators."""
from __future__ import annotations

import re
import warnings

import jinja2
import numpy as np
import pytest

import onnx2c
from onnx2c.conformance.cases import collect, spread
from onnx2c.conformance.runner import _compile_case
from tests.conftest import REPO

UNIT_LOOP = re.compile(r"for \([^;]*;\s*\w+\s*<\s*1u?\s*;")

EXCEPTIONS: dict[str, str] = {}


@pytest.fixture
def unit_loops(monkeypatch):
    """{template: [where]} of every loop of one iteration the ops' templates render."""
    found: dict[str, list[str]] = {}
    where = [""]
    render = jinja2.Template.render

    def spy(self, *args, **kwargs):
        text = render(self, *args, **kwargs)
        if (self.name or "").startswith("ops/") and UNIT_LOOP.search(text):
            found.setdefault(self.name, []).append(where[0])
        return text

    monkeypatch.setattr(jinja2.Template, "render", spy)
    return found, where


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{t}: {len(w)} in {sorted(set(w))[:8]}" for t, w in sorted(found.items())
                     if t not in EXCEPTIONS)


def test_models_have_no_unit_loops(unit_loops):
    found, where = unit_loops
    for model in sorted((REPO / "tests" / "models").glob("*.onnx")):
        where[0] = model.name
        onnx2c.build(model, "m")
    assert not _report(found), _report(found)


def test_node_tests_have_no_unit_loops(unit_loops):
    found, where = unit_loops
    cases = spread(collect(("node",)), 2)
    assert len(cases) > 450
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for case in cases:
            where[0] = case.name
            _compile_case(case, "m")
    assert not _report(found), _report(found)


def test_the_pattern_finds_unit_loops():
    assert UNIT_LOOP.search("for (size_t n = 0; n < 1u; n++) {")
    assert UNIT_LOOP.search("for (it = 0; it < 1; it++) {")
    assert not UNIT_LOOP.search("for (size_t n = 0; n < 16u; n++) {")
