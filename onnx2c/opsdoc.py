"""The supported-operator table, generated from the registry.

python -m onnx2c.opsdoc            prints it
python -m onnx2c.opsdoc README.md  rewrites the table between the markers in README.md
"""
from __future__ import annotations

import sys
from pathlib import Path

from . import ops  # noqa: F401  (fills the registry)
from .ops.registry import registered

BEGIN, END = "<!-- operators:begin -->", "<!-- operators:end -->"
COLUMNS = 6


def _first_versions() -> dict[tuple[str, str], int]:
    import onnx.defs
    first: dict[tuple[str, str], int] = {}
    for s in onnx.defs.get_all_schemas_with_history():
        key = ("" if s.domain == "ai.onnx" else s.domain, s.name)
        first[key] = min(first.get(key, s.since_version), s.since_version)
    return first


def table() -> str:
    first = _first_versions()
    cells = [f"{op}{f' ({dom})' if dom else ''} ≥{max(min(since), first.get((dom, op), 1))}"
             for (dom, op), since in registered().items()]
    cells.sort(key=str.lower)
    rows = [cells[i:i + COLUMNS] for i in range(0, len(cells), COLUMNS)]
    lines = [f"{len(cells)} operators; ≥N is the first opset version handled.", "",
             "|" + " |" * COLUMNS, "|" + "---|" * COLUMNS]
    lines += ["| " + " | ".join(r + [""] * (COLUMNS - len(r))) + " |" for r in rows]
    return "\n".join(lines)


def splice(text: str) -> str:
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table()}\n{END}{tail}"


if __name__ == "__main__":
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
        path.write_text(splice(path.read_text()))
    else:
        print(table())
