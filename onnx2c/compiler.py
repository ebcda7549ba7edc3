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
from .progress import stage
from .limits import HOST_MAX_WORKSPACE, describe
from .codegen.constants import DEFAULT_THRESHOLD
from .codegen.emit import generate
from .errors import INFERENCE_PROBLEM, CompileError, NeedsConstant
from .advice import checked
from .frontend import load_graph, load_subgraph, read_model
from .ir import DType, Graph, Value
from .ir.dtypes import STRING_BYTES
from .memory import Plan, Subgraph, plan_memory
from .lowering import LoweringContext, Options, lower, materialise_splats
from .lowering.fuse_chains import fuse_chains
from .passes.dce import remove_dead_code
from .passes.fold_batchnorm import fold_batchnorm
from .passes.fold_transpose import fold_transposes
from .passes.fuse_epilogue import fuse_epilogue
from .passes.pack import install_packed
from .passes.qdq import fuse_qdq
from .passes.qio import quantize_io
from .passes.qfloat_epilogue import fuse_qgemm_float
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
    files: dict[str, str]                   # file name -> text (NAME.h, NAME.c, NAME_weights.c
                                            # if it has weights, the runtime headers it uses)
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
    def sources(self) -> list[str]:
        """The C files to compile: NAME.c, and NAME_weights.c if there is one."""
        return [f for f in self.files if f.endswith(".c")]

    @property
    def paths(self) -> list[Path]:
        names = list(self.files) + ([self.weights_name] if self.weights is not None else [])
        return [self.out_dir / f for f in names] if self.out_dir else []


# NAME.h must not shadow a header the generated code or its callers include
_STD_HEADERS = set("""assert complex ctype errno fenv float inttypes iso646 limits locale math
setjmp signal stdalign stdarg stdatomic stdbool stddef stdint stdio stdlib stdnoreturn string
tgmath threads time uchar wchar wctype""".split())


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
          quantized_io: bool = False, max_workspace: int = HOST_MAX_WORKSPACE) -> CompileResult:
    """Compile to C in memory (nothing is written); see compile() for the options."""
    options = Options(optimize, requant)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name) or "__" in name:
        raise CompileError(f"--name '{name}' is not a C identifier (letters, digits and _, "
                           "a letter first, no __)")
    if name.lower() in _STD_HEADERS or name.lower().startswith("o2c"):
        raise CompileError(f"--name '{name}' would write {name}.h, the name of a standard or "
                           "onnx2c runtime header; choose another")
    if not 2 <= string_bytes <= 1 << 20:
        raise CompileError(f"--string-bytes {string_bytes} is not in [2, {1 << 20}]")
    tokens = STRING_BYTES.set(string_bytes), INFERENCE_PROBLEM.set(None)
    model = read_model(model)
    again = lambda more: _build(model, name, shapes, {**(freeze or {}), **more}, capacity,
                                weights_file, weights_threshold, string_bytes, options,
                                quantized_io)
    try:
        r = again({})
    except NeedsConstant as e:
        raise checked(e, model, shapes or {}, again) from None
    finally:
        STRING_BYTES.reset(tokens[0])
        INFERENCE_PROBLEM.reset(tokens[1])
    if r.workspace_bytes > max_workspace:
        raise CompileError(f"the workspace would take {describe(r.workspace_bytes)}, over the "
                           f"limit of {describe(max_workspace)}; pass --max-workspace BYTES "
                           "(max_workspace= in Python) if the target has the RAM",
                           reason="workspace over the limit")
    return r


def _build(model, name, shapes, freeze, capacity, weights_file, weights_threshold,
           string_bytes, options: Options, quantized_io: bool) -> CompileResult:
    with stage("load, infer shapes, fold"):
        g = load_graph(model, shapes, freeze, capacity)
    remove_dead_code(g)
    # integer lowering first: it matches DequantizeLinear -> op -> QuantizeLinear chains
    # that the float fusions below would otherwise break apart
    with stage("fuse and prepare"):
        float_nodes = fuse_qdq(g)
        if quantized_io:
            quantize_io(g)
        prepare_integer_ops(g, options.requant)
        fuse_qgemm_float(g)
        g = fold_transposes(fuse_epilogue(fold_batchnorm(g)))
        remove_dead_code(g)
    with stage("lower and plan memory"):
        plan = _lower_and_plan(LoweringContext(g, options, _compile_subgraph))
    with stage("generate C"):
        files, ins, outs, blob = generate(g, plan, name,
                                          weights_threshold if weights_file else None)
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
            quantized_io: bool = False, max_workspace: int = HOST_MAX_WORKSPACE) -> CompileResult:
    """Compile `model` (a path or ModelProto) to C sources in out_dir.

    shapes pins symbolic input dimensions ({'x': (1, 3, 96, 96)}); freeze turns graph
    inputs into constants ({'shape': np.array([...])}); capacity bounds the run-time size
    of data-dependent outputs ({'nonzero_out': 100}: at most 100 along the dims that
    depend on values). weights_file moves every constant of at least weights_threshold
    bytes to out_dir/NAME.weights.bin, which the caller passes to NAME_run (README: the C
    ABI). string_bytes is the cell each string element occupies (README: the C ABI).
    optimize ("speed" or "size") and requant ("float" or "fixed") are lowering.Options.
    quantized_io gives a quantized model 8-bit inputs and outputs (passes/qio.py).
    A model whose workspace would exceed max_workspace bytes is refused (README: Limits).
    Files are written only once the whole model has compiled.
    """
    freeze = {k: np.asarray(v) for k, v in (freeze or {}).items()}
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CompileError(f"the output folder '{out}' is a file")
    result = build(model, name, shapes, freeze, capacity, weights_file, weights_threshold,
                   string_bytes, optimize, requant, quantized_io, max_workspace)
    try:
        with stage("write files"):
            _write(out, result)
    except OSError as e:
        raise CompileError(f"cannot write to '{out}': {e.strerror or e}") from None
    result.out_dir = out
    return result


def _write(out: Path, result: CompileResult) -> None:
    out.mkdir(parents=True, exist_ok=True)
    files = dict(result.files)
    if result.weights is not None:
        files[result.weights_name] = result.weights
    umask = os.umask(0)
    os.umask(umask)
    for fname, data in files.items():
        # write-then-rename so an interrupted run never leaves a truncated file behind
        fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{fname}.")
        with os.fdopen(fd, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode("utf-8"))
        os.chmod(tmp, 0o666 & ~umask)     # mkstemp's 0600 is not what a user expects
        os.replace(tmp, out / fname)
    stale = out / f"{result.name}_weights.c"   # an earlier model's: `cc DIR/*.c` would build it
    if stale.name not in files and stale.exists():
        stale.unlink()
