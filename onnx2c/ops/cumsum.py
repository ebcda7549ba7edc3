"""CumSum and CumProd along an axis given as a tensor, read at run time unless constant."""
from __future__ import annotations

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._util import axis_split, inp, norm_axis, out
from ..ir.optable import Kernel, op


@op("CumSum", "CumProd")
def lower_cumsum(node, ctx):
    x, y, ax = inp(node, ctx, 0), out(node, ctx), inp(node, ctx, 1)
    dt, rank = x.dtype, len(x.shape)
    if not (dt.is_float or dt.is_int):
        raise CompileError(f"{node.op_type} of {dt.onnx_name} is not supported", node,
                           reason=f"{node.op_type}: dtype {dt.onnx_name}")
    # integers wrap (like numpy) instead of hitting C's signed-overflow UB
    acc = dt.compute if dt.is_float else ("uint64_t" if dt.bits == 64 else "uint32_t")
    prod = node.op_type == "CumProd"
    if ax is not None and ax.data is not None:
        splits = [axis_split(x.shape, norm_axis(int(ax.data.reshape(-1)[0]), rank, node))]
        inputs = [0]
    else:
        splits = [axis_split(x.shape, a) for a in range(rank)]
        inputs = [0, 1]
    params = dict(acc=acc, start=scalar(1 if prod else 0, acc), op="*=" if prod else "+=",
                  cast="" if acc == dt.compute else f"({acc})", splits=splits, rank=rank,
                  exclusive=node.attrs.get("exclusive", 0), reverse=node.attrs.get("reverse", 0),
                  runtime_axis=len(inputs) > 1, empty=y.size == 0)
    # lane element k is read before it is written, so the output may overwrite x
    return Kernel("ops/cumsum.c.j2", params, inputs=inputs, inplace=[0])
