"""Fixtures the operator tests share."""
from __future__ import annotations

import pytest

import onnx2c
from onnx2c.harness import build_host
from tests.conftest import c_compilers, strict_compile


@pytest.fixture
def build(tmp_path):
    """Compile a model (strictly, with every C compiler) and return its host runner."""
    def make(model):
        r = onnx2c.compile(model, tmp_path / "src", name="model")
        for cc in c_compilers():
            strict_compile(cc, tmp_path / "src", tmp_path)
        return build_host(r, tmp_path / "build")
    return make
