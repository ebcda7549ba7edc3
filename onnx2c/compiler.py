"""The pipeline: frontend -> passes -> lowering -> memory plan -> C files."""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np

from . import ops  # noqa: F401  (registers every operator)
from .codegen.emit import data_dir, generate
from .errors import CompileError
from .frontend import load_graph
from .ir import Graph, Value
from .memory import Plan, plan_memory
from .ops.registry import lookup
from .passes.dce import remove_dead_code


@dataclass
class TensorInfo:
    name: str          # ONNX name
    cname: str         # C parameter name
    dtype: object
    shape: tuple[int, ...]
    nbytes: int


@dataclass
class CompileResult:
    name: str
    files: dict[str, str]                   # file name -> text (NAME.h, NAME.c, runtime headers)
    workspace_bytes: int
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    graph: Graph = field(repr=False)
    plan: Plan = field(repr=False)
    out_dir: Path | None = None

    @property
    def paths(self) -> list[Path]:
        return [self.out_dir / f for f in self.files] if self.out_dir else []


def _lower(g: Graph) -> list:
    steps = []
    for node in g.nodes:
        try:
            kernel = lookup(node)(node, g)
        except CompileError as e:
            if e.node is None:
                raise CompileError(str(e), node, reason=e.reason) from None
            raise
        steps.append((node, kernel))
    return steps


def _runtime_files() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(data_dir("runtime_c").glob("*.h"))}


def build(model, name: str = "model", shapes: Mapping | None = None,
          freeze: Mapping | None = None) -> CompileResult:
    """Compile to C in memory (nothing is written)."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise CompileError(f"--name '{name}' is not a C identifier")
    g = load_graph(model, shapes, freeze)
    remove_dead_code(g)
    for vn in g.inputs + g.outputs:
        if g.values[vn].dtype.info.kind == "string":
            raise CompileError(f"'{vn}' is a string tensor; strings are not supported yet",
                               reason="string tensors are not supported")
    plan = plan_memory(g, _lower(g))
    files, ins, outs = generate(g, plan, name)
    files.update(_runtime_files())
    info = lambda items: [TensorInfo(vn, cn, v.dtype, v.shape, v.nbytes) for vn, cn, v in items]
    return CompileResult(name, files, plan.workspace_bytes, info(ins), info(outs), g, plan)


def compile(model, out_dir, name: str = "model", shapes: Mapping | None = None,
            freeze: Mapping | None = None) -> CompileResult:
    """Compile `model` (a path or ModelProto) to C sources in out_dir.

    shapes pins symbolic input dimensions ({'x': (1, 3, 96, 96)}); freeze turns graph
    inputs into constants ({'shape': np.array([...])}). Files are written only once the
    whole model has compiled.
    """
    freeze = {k: np.asarray(v) for k, v in (freeze or {}).items()}
    result = build(model, name, shapes, freeze)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for fname, text in result.files.items():
        # write-then-rename so an interrupted run never leaves a truncated file behind
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{fname}.")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, out / fname)
    result.out_dir = out
    return result
