"""TopK: the k largest (or smallest) elements of every lane along an axis, sorted, ties
broken by the lower index (like onnxruntime and the reference)."""
from __future__ import annotations

from ..errors import CompileError
from ._util import inp, lane_loops, norm_axis, out
from .registry import Kernel, op


@op("TopK")
def lower_topk(node, g):
    x, y = inp(node, g, 0), out(node, g)
    if not (x.dtype.is_float or x.dtype.is_int) or x.dtype.is_packed:
        raise CompileError(f"TopK of {x.dtype.onnx_name} is not supported", node,
                           reason=f"TopK: dtype {x.dtype.onnx_name}")
    axis = norm_axis(node.attrs["axis"], len(x.shape), node)
    # k decides the output shape, which is already fixed; a run-time K (the model declared
    # the output shape) is only checked against it
    k_in = inp(node, g, 1)
    check_k = k_in is not None and k_in.data is None
    params = lane_loops(x.shape, axis)
    params.update(k=y.shape[axis], out_base=lane_loops(y.shape, axis)["base"],
                  better=">" if node.attrs.get("largest", 1) else "<",
                  check_k=check_k, empty=y.size == 0)
    return Kernel("ops/topk.c.j2", params, inputs=[0, 1] if check_k else [0])
