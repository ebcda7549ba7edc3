"""Det, BitCast, TensorScatter, ReverseSequence and the training optimizers (Adagrad,
Momentum, Adam of ai.onnx.preview.training).

TensorScatter's write positions and ReverseSequence's lengths are run-time data, checked
before any copy: a write beyond the cache gives O2C_ERR_INDEX, a sequence longer than the
time axis O2C_ERR_VALUE. The optimizers are deterministic elementwise update rules,
computed in double from the run-time learning rate and step count.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._strided import packed_bits
from ._util import inp, norm_axis, require_float
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class Det:
    """templates/ops/det.c.j2: `batch` matrices of `order` x `order` elements."""
    batch: int
    order: int


@op("Det", since=11)
def lower_det(node, ctx):
    x = inp(node, ctx, 0)
    require_float(node, x)
    n = x.shape[-1]
    return Kernel("ops/det.c.j2", Det(prod(x.shape[:-2]), n),
                  scratch=max(1, n * n) * (8 if x.dtype.compute == "double" else 4))


@op("BitCast", since=26)
def lower_bitcast(node, ctx):
    # the importer checked the widths agree; the bytes are the value
    return Kernel("ops/copy.c.j2", inputs=[0])


@dataclass(frozen=True)
class TensorScatter:
    """templates/ops/tensorscatter.c.j2: `outer` rows of the cache along the sequence
    axis, `per_batch` of them per batch entry; each holds `cap` entries of `inner`
    elements and receives `seq` update entries."""
    outer: int
    per_batch: int
    cap: int
    seq: int
    inner: int
    circular: bool
    indices: bool               # the write indices are an input (else 0)
    bits: int                   # element bits of a packed type (0: whole bytes)


@op("TensorScatter", since=24)
def lower_tensor_scatter(node, ctx):
    cache, upd = inp(node, ctx, 0), inp(node, ctx, 1)
    axis = norm_axis(node.attrs.get("axis", -2), len(cache.shape), node)
    mode = node.attrs.get("mode", "linear")
    if axis == 0 or mode not in ("linear", "circular"):
        raise CompileError(f"TensorScatter needs a sequence axis after the batch axis and a "
                           f"linear or circular mode (axis {axis}, mode '{mode}')", node,
                           reason="TensorScatter: axis or mode")
    if upd.shape[axis] > cache.shape[axis]:
        raise CompileError("the update is longer than the cache", node,
                           reason="TensorScatter: update too long")
    return Kernel("ops/tensorscatter.c.j2", TensorScatter(
        prod(cache.shape[:axis]), prod(cache.shape[1:axis]), cache.shape[axis],
        upd.shape[axis], prod(cache.shape[axis + 1:]), mode == "circular",
        inp(node, ctx, 2) is not None, packed_bits(cache.dtype)), inplace=[0])


@dataclass(frozen=True)
class ReverseSequence:
    """templates/ops/reversesequence.c.j2: `batch` entries of `time` steps of `inner`
    elements; the element distances of one batch entry and one time step."""
    batch: int
    time: int
    batch_step: int
    time_step: int
    inner: int
    bits: int                   # element bits of a packed type (0: whole bytes)


@op("ReverseSequence", since=10)
def lower_reverse_sequence(node, ctx):
    x = inp(node, ctx, 0)
    ba, ta = node.attrs.get("batch_axis", 1), node.attrs.get("time_axis", 0)
    if {ba, ta} != {0, 1}:
        raise CompileError("batch_axis and time_axis must be 0 and 1", node,
                           reason="ReverseSequence: axes")
    inner = prod(x.shape[2:])
    step = [x.shape[1] * inner, inner]      # element distance along axis 0 and axis 1
    return Kernel("ops/reversesequence.c.j2", ReverseSequence(
        x.shape[ba], x.shape[ta], step[ba], step[ta], inner, packed_bits(x.dtype)))


@dataclass(frozen=True)
class OptimizedTensor:
    """One tensor an optimizer updates: element i of input k is loaded as `name` for each
    (name, k) of `loads`; each (output k, expression) of `stores` is stored."""
    size: int
    loads: list[tuple[str, int]]
    stores: list[tuple[int, str]]


@dataclass(frozen=True)
class Optimizer:
    """Parameters of templates/ops/optimizer.c.j2: named doubles, each (name, expression),
    computed once per step (`step_values`, from lr and the step count in1[0]) and once
    per element (`element_values`, from the loaded states)."""
    tensors: list[OptimizedTensor]
    step_values: list[tuple[str, str]]
    element_values: list[tuple[str, str]]


def _optimizer(node, ctx, states: list[str], step_values: list[tuple[str, str]],
               element_values: list[tuple[str, str]], results: list[str]) -> Kernel:
    """Inputs R, T, then one list per name in `states` (X, G, ...), n tensors each;
    outputs one list per name in `results`, expressions of the element's values.
    {attribute} in an expression is the attribute's value."""
    n = (len(node.inputs) - 2) // len(states)
    lits = {k: scalar(v, "double") for k, v in node.attrs.items() if isinstance(v, float)}
    tensors = [OptimizedTensor(inp(node, ctx, 2 + j).size,
                               [(s, 2 + k * n + j) for k, s in enumerate(states)],
                               [(k * n + j, r.format(**lits)) for k, r in enumerate(results)
                                if k * n + j < len(node.outputs) and node.outputs[k * n + j]])
               for j in range(n)]
    return Kernel("ops/optimizer.c.j2", Optimizer(
        tensors, [(name, e.format(**lits)) for name, e in step_values],
        [(name, e.format(**lits)) for name, e in element_values]))


_TRAINING = "ai.onnx.preview.training"


@op("Adagrad", domain=_TRAINING)
def lower_adagrad(node, ctx):
    return _optimizer(node, ctx, ["x", "g", "h"],
                      [("r", "lr / (1.0 + (double)in1[0] * {decay_factor})")],
                      [("gr", "{norm_coefficient} * x + g"), ("hn", "h + gr * gr")],
                      ["x - r * gr / (sqrt(hn) + {epsilon})", "hn"])


@op("Momentum", domain=_TRAINING)
def lower_momentum(node, ctx):
    nesterov = node.attrs.get("mode", "standard") == "nesterov"
    return _optimizer(node, ctx, ["x", "g", "v"],
                      # the gradient's coefficient is 1 at the first step
                      [("beta", "in1[0] > 0 ? {beta} : 1.0")],
                      [("gr", "{norm_coefficient} * x + g"), ("vn", "{alpha} * v + beta * gr")],
                      ["x - lr * (gr + {alpha} * vn)" if nesterov else "x - lr * vn", "vn"])


@op("Adam", domain=_TRAINING)
def lower_adam(node, ctx):
    return _optimizer(node, ctx, ["x", "g", "v", "h"],
                      # bias correction of both moments, from the second step on
                      [("t", "(double)in1[0]"),
                       ("r", "t > 0 ? lr * sqrt(1.0 - pow({beta}, t)) / (1.0 - pow({alpha}, t)) : lr")],
                      [("gr", "{norm_coefficient} * x + g"),
                       ("vn", "{alpha} * v + (1.0 - {alpha}) * gr"),
                       ("hn", "{beta} * h + (1.0 - {beta}) * gr * gr")],
                      ["(1.0 - {norm_coefficient_post}) * (x - r * vn / (sqrt(hn) + {epsilon}))",
                       "vn", "hn"])
