"""The memory plan figures of every repo model.

python benchmarks/memory_table.py            prints the table
python benchmarks/memory_table.py README.md  rewrites it between the markers in README.md

no reuse: every intermediate tensor and scratch buffer side by side; lower bound: the
most bytes live at one step under the chosen execution order; workspace: what the plan
uses (NAME_WORKSPACE_BYTES); peak: workspace plus the caller's input and output buffers.
"""
from __future__ import annotations

import sys
from pathlib import Path

import onnx2c
from onnx2c import mdtable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "examples" / "seed_motion"))
from make_model import make_model  # noqa: E402


def models():
    for p in sorted((REPO / "tests" / "models").glob("*.onnx")):
        yield p.stem, p
    yield "seed_motion", make_model()


def table() -> str:
    lines = ["| model | no reuse (B) | lower bound (B) | workspace (B) | workspace / bound | "
             "peak activation RAM (KiB) |", "|---|--:|--:|--:|--:|--:|"]
    for name, m in models():
        r = onnx2c.build(m, "m")
        p = r.plan
        io = sum(t.nbytes for t in r.inputs + r.outputs)
        ratio = r.workspace_bytes / p.lower_bound if p.lower_bound else 1.0
        lines.append(f"| {name} | {p.no_reuse_bytes:,} | {p.lower_bound:,} | "
                     f"{r.workspace_bytes:,} | {ratio:.3f} | {(r.workspace_bytes + io) / 1024:,.1f} |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1:
        mdtable.update(sys.argv[1], "memory", table())
    else:
        print(table())


if __name__ == "__main__":
    main()
