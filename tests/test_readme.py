"""The README stays true: its operator table is the registry's."""
from __future__ import annotations

from onnx2c.opsdoc import splice
from tests.conftest import REPO


def test_operator_table_is_current():
    text = (REPO / "README.md").read_text()
    assert splice(text) == text, "run: python -m onnx2c.opsdoc README.md"


def _fenced_commands(text: str) -> list[str]:
    blocks = text.split("```sh\n")[1:]
    return [b.split("```", 1)[0].strip() for b in blocks]


def test_ci_runs_the_readme_test_command():
    """The README opens with two commands (the example, the tests); CI runs the second."""
    first_two = _fenced_commands((REPO / "README.md").read_text())[:2]
    assert "examples/" in first_two[0] and "pytest" in first_two[1], first_two
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert first_two[1] in ci_lines, "CI must run the README's test command verbatim"
