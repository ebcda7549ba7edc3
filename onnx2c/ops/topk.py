"""TopK: the k largest (or smallest) elements of every lane along an axis, sorted, ties
broken by the lower index (like onnxruntime and the reference).

A constant k fixes the output shapes. A run-time K makes both outputs bounded by the axis
size: the kernel reads K, reports the dims and packs the lanes k apart."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ._util import axis_split, inp, lane_loops, norm_axis
from ..ir.optable import Bound, Kernel, capacity, op


@capacity("TopK")
def topk_capacity(node, values):
    k = values.get(node.inputs[1]) if len(node.inputs) > 1 and node.inputs[1] else None
    if k is None or k.data is not None:
        return [None, None]             # k is an attribute or constant: inference knows
    x = values[node.inputs[0]]
    shape = list(x.shape)
    axis = norm_axis(node.attrs["axis"], len(shape), node)
    shape[axis] = Bound(shape[axis])
    return [tuple(shape)] * 2


@dataclass(frozen=True)
class TopK:
    """templates/ops/topk.c.j2: lanes as ops/_util.lane_loops walks them (dims, n, base,
    stride, empty); k values per lane (a C expression) whose output lane starts at
    `out_base`; `better`: the C comparison that ranks first; outputs nobody reads live
    in scratch (`spill`: output index, C type, byte offset); `cap`: a run-time K's bound."""
    dims: list[int]
    n: int
    base: str
    stride: int
    empty: bool
    k: str
    out_base: str
    better: str
    bounded: bool
    spill: list[tuple[int, str, int]]
    axis: int
    cap: int | None = None


@op("TopK")
def lower_topk(node, ctx):
    x = inp(node, ctx, 0)
    if not (x.dtype.is_float or x.dtype.is_int) or x.dtype.is_packed:
        raise CompileError(f"TopK of {x.dtype.onnx_name} is not supported", node,
                           reason=f"TopK: dtype {x.dtype.onnx_name}")
    axis = norm_axis(node.attrs["axis"], len(x.shape), node)
    ys = [ctx.graph.values[o] if o else None for o in node.outputs]
    y = next(v for v in ys if v is not None)
    lanes = lane_loops(x.shape, axis)
    if y.bounded:
        # lane (o, i) of the packed outer x k x inner result starts at o * k * inner + i
        outer, _, inner = axis_split(x.shape, axis)
        base = [f"i0 * kk{f' * {inner}u' if inner != 1 else ''}"] if outer != 1 else []
        base += [f"i{len(lanes['dims']) - 1}"] if inner != 1 else []
        count, out_base, cap = "kk", " + ".join(base) or "0", y.shape[axis]
    else:
        count, out_base, cap = f"{y.shape[axis]}u", lane_loops(y.shape, axis)["base"], None
    # the outputs hold the insertion sort's state: one nobody reads lives in scratch
    spill, scratch = [], 0
    for k, ctype, nbytes in ((0, x.dtype.ctype, x.dtype.nbytes(y.size)),
                             (1, "int64_t", 8 * y.size)):
        if ys[k] is None and y.size:
            spill.append((k, ctype, scratch))
            scratch += (nbytes + 15) // 16 * 16
    params = TopK(lanes["dims"], lanes["n"], lanes["base"], lanes["stride"], y.size == 0, count,
                  out_base, ">" if node.attrs.get("largest", 1) else "<", y.bounded, spill,
                  axis, cap)
    return Kernel("ops/topk.c.j2", params, inputs=[0, 1] if y.bounded else [0],
                  scratch=scratch)
