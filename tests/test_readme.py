"""The README stays true: its operator table is the registry's."""
from __future__ import annotations

from onnx2c.opsdoc import splice
from tests.conftest import REPO


def test_operator_table_is_current():
    text = (REPO / "README.md").read_text()
    assert splice(text) == text, "run: python -m onnx2c.opsdoc README.md"
