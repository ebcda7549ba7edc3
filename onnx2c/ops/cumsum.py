"""CumSum and CumProd along an axis given as a tensor, read at run time unless constant."""
from __future__ import annotations

from dataclasses import dataclass

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._util import axis_split, inp, norm_axis, out
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class CumulativeFold:
    """templates/ops/cumsum.c.j2: a running sum (or product) in `acc`, from `start`, along
    the axis of each (outer, n, inner) split (one per axis when the axis is a run-time
    input); `cast` converts a loaded element to acc's type."""
    acc: str
    start: str
    product: bool
    cast: str
    splits: list[tuple[int, int, int]]
    rank: int
    exclusive: int
    reverse: int
    runtime_axis: bool
    empty: bool


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
    params = CumulativeFold(acc, scalar(1 if prod else 0, acc), prod,
                            "" if acc == dt.compute else f"({acc})", splits, rank,
                            node.attrs.get("exclusive", 0), node.attrs.get("reverse", 0),
                            len(inputs) > 1, y.size == 0)
    # lane element k is read before it is written, so the output may overwrite x
    return Kernel("ops/cumsum.c.j2", params, inputs=inputs, inplace=[0])
