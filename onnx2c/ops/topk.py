"""TopK: the k largest (or smallest) elements of every lane along an axis, sorted, ties
broken by the lower index (like onnxruntime and the reference).

A constant k fixes the output shapes. A run-time K makes both outputs bounded by the axis
size: the kernel reads K, reports the dims and packs the lanes k apart."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ._util import Lanes, inp, lane_loops, norm_axis
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
    """templates/ops/topk.c.j2: the lanes along the axis (ops/_util.Lanes); k values per
    lane (a C expression) whose output lane starts at offset(out_strides) over the same
    loops (with a run-time K, the outer loop's stride counts kk rows); `better`: the C
    comparison that ranks first; outputs nobody reads live in scratch (`spill`: output
    index, C type, byte offset); `cap`: a run-time K's bound."""
    lanes: Lanes
    empty: bool
    k: str
    out_strides: list[int]
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
        # lane (o, i) of the packed outer x kk x inner result starts at o * kk * inner + i
        out_strides = Lanes(lanes.outer, 1, lanes.inner, False).base_strides
        count, cap = "kk", y.shape[axis]
    else:
        out_strides = lane_loops(y.shape, axis).base_strides
        count, cap = f"{y.shape[axis]}u", None
    # the outputs hold the insertion sort's state: one nobody reads lives in scratch
    spill, scratch = [], 0
    for k, ctype, nbytes in ((0, x.dtype.ctype, x.dtype.nbytes(y.size)),
                             (1, "int64_t", 8 * y.size)):
        if ys[k] is None and y.size:
            spill.append((k, ctype, scratch))
            scratch += (nbytes + 15) // 16 * 16
    params = TopK(lanes, y.size == 0, count, out_strides,
                  ">" if node.attrs.get("largest", 1) else "<", y.bounded, spill, axis, cap)
    return Kernel("ops/topk.c.j2", params, inputs=[0, 1] if y.bounded else [0],
                  scratch=scratch)
