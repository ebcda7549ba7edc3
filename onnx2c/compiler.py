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
from .codegen.constants import DEFAULT_THRESHOLD
from .codegen.emit import generate
from .codegen.environment import data_dir

from .errors import CompileError
from .frontend import load_graph, load_subgraph
from .ir import DType, Graph, Value
from .ir.dtypes import STRING_BYTES
from .memory import Plan, Subgraph, plan_memory
from .lowering import LoweringContext, Options, lower, materialise_splats
from .lowering.fuse_chains import fuse_chains
from .passes.dce import remove_dead_code
from .passes.fold_batchnorm import fold_batchnorm
from .passes.fuse_epilogue import fuse_epilogue
from .passes.pack import install_packed
from .passes.qdq import fuse_qdq
from .passes.qio import quantize_io
from .passes.qprepare import prepare_integer_ops


@dataclass
class TensorInfo:
    name: str          # ONNX name
    cname: str         # C parameter name
    dtype: object
    shape: tuple[int, ...]
    nbytes: int
    bounded: bool = False   # shape is a capacity; the run reports the actual dims
    string_bytes: int = 0   # a string tensor's bytes per element (its cell), else 0
    # an output that ONNX gives as ZipMap's maps: the class label of each column
    labels: np.ndarray | None = None
    quant: tuple[float, int] | None = None    # --quantized-io: (scale, zero point)


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
    weights: bytes | None = field(default=None, repr=False)   # NAME.weights.bin, if asked for
    # nodes of a quantized model left in float, with the reason (passes/qdq.py)
    float_nodes: list = field(default_factory=list, repr=False)

    @property
    def weights_name(self) -> str:
        return f"{self.name}.weights.bin"

    @property
    def paths(self) -> list[Path]:
        names = list(self.files) + ([self.weights_name] if self.weights is not None else [])
        return [self.out_dir / f for f in names] if self.out_dir else []


def _runtime_files() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(data_dir("runtime_c").glob("*.h"))}


def _compile_subgraph(ctx: LoweringContext, node, key: str, formal: list[Value],
                      sources: list[str | None], outputs: list[bool] | None) -> Subgraph:
    """LoweringContext.compile_subgraph: the frontend loads graph attribute `key` of node,
    then dead-code removal, lowering and a memory plan of its own; codegen/functions.py
    emits it as a static function."""
    g, params = load_subgraph(node, key, formal, sources, ctx.graph, outputs)
    remove_dead_code(g)
    return Subgraph(g, _lower_and_plan(ctx.sub(g)), params)


def _lower_and_plan(ctx: LoweringContext) -> Plan:
    """The kernels of the graph's nodes, their constants in the layouts they read, and
    the memory plan."""
    steps = fuse_chains(ctx.graph, lower(ctx))
    return plan_memory(ctx.graph, materialise_splats(ctx, install_packed(ctx.graph, steps)))


def build(model, name: str = "model", shapes: Mapping | None = None,
          freeze: Mapping | None = None, capacity: Mapping | None = None,
          weights_file: bool = False, weights_threshold: int = DEFAULT_THRESHOLD,
          string_bytes: int = 64, optimize: str = "speed", requant: str = "float",
          quantized_io: bool = False) -> CompileResult:
    """Compile to C in memory (nothing is written); see compile() for the options."""
    options = Options(optimize, requant)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise CompileError(f"--name '{name}' is not a C identifier")
    if not 2 <= string_bytes <= 1 << 20:
        raise CompileError(f"--string-bytes {string_bytes} is not in [2, {1 << 20}]")
    token = STRING_BYTES.set(string_bytes)
    try:
        return _build(model, name, shapes, freeze, capacity, weights_file, weights_threshold,
                      string_bytes, options, quantized_io)
    finally:
        STRING_BYTES.reset(token)


def _build(model, name, shapes, freeze, capacity, weights_file, weights_threshold,
           string_bytes, options: Options, quantized_io: bool) -> CompileResult:
    g = load_graph(model, shapes, freeze, capacity)
    remove_dead_code(g)
    # integer lowering first: it matches DequantizeLinear -> op -> QuantizeLinear chains
    # that the float fusions below would otherwise break apart
    float_nodes = fuse_qdq(g)
    if quantized_io:
        quantize_io(g)
    prepare_integer_ops(g, options.requant)
    g = fuse_epilogue(fold_batchnorm(g))
    plan = _lower_and_plan(LoweringContext(g, options, _compile_subgraph))
    files, ins, outs, blob = generate(g, plan, name,
                                      weights_threshold if weights_file else None)
    files.update(_runtime_files())
    info = lambda items: [TensorInfo(vn, cn, v.dtype, v.shape, v.nbytes, v.bounded,
                                     string_bytes if v.dtype == DType.STRING else 0,
                                     g.labels.get(vn), quant=v.quant)
                          for vn, cn, v in items]
    return CompileResult(name, files, plan.workspace_bytes, info(ins), info(outs), g, plan,
                         weights=blob, float_nodes=float_nodes)


def compile(model, out_dir, name: str = "model", shapes: Mapping | None = None,
            freeze: Mapping | None = None, capacity: Mapping | None = None,
            weights_file: bool = False, weights_threshold: int = DEFAULT_THRESHOLD,
            string_bytes: int = 64, optimize: str = "speed", requant: str = "float",
            quantized_io: bool = False) -> CompileResult:
    """Compile `model` (a path or ModelProto) to C sources in out_dir.

    shapes pins symbolic input dimensions ({'x': (1, 3, 96, 96)}); freeze turns graph
    inputs into constants ({'shape': np.array([...])}); capacity bounds the run-time size
    of data-dependent outputs ({'nonzero_out': 100}: at most 100 along the dims that
    depend on values). weights_file moves every constant of at least weights_threshold
    bytes to out_dir/NAME.weights.bin, which the caller passes to NAME_run (README: the C
    ABI). string_bytes is the cell each string element occupies (README: the C ABI).
    optimize ("speed" or "size") and requant ("float" or "fixed") are lowering.Options.
    quantized_io gives a quantized model 8-bit inputs and outputs (passes/qio.py).
    Files are written only once the whole model has compiled.
    """
    freeze = {k: np.asarray(v) for k, v in (freeze or {}).items()}
    result = build(model, name, shapes, freeze, capacity, weights_file, weights_threshold,
                   string_bytes, optimize, requant, quantized_io)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = dict(result.files)
    if result.weights is not None:
        files[result.weights_name] = result.weights
    umask = os.umask(0)
    os.umask(umask)
    for fname, data in files.items():
        # write-then-rename so an interrupted run never leaves a truncated file behind
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{fname}.")
        with os.fdopen(fd, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~umask)     # mkstemp's 0600 is not what a user expects
        os.replace(tmp, out / fname)
    result.out_dir = out
    return result
