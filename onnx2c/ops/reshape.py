"""Ops that only reinterpret the shape: zero-copy aliases of their input.

Shape inference (or the graph's declared shapes) gives the output shape, so a shape or
axes input is not needed to move data. When that input only exists at run time, the
node becomes a small kernel that checks it against the compiled shapes and copies the
data (in place, so no copy at all, when the input dies here)."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ._util import c_dims, inp, out, runtime
from ..ir.optable import Kernel, op


def _check(node, ctx) -> str:
    """C condition: the run-time shape/axes input agrees with the static shapes."""
    x, y, s = inp(node, ctx, 0), out(node, ctx), inp(node, ctx, 1)
    if node.op_type == "Reshape":
        return (f"o2c_reshape_ok(in1, {c_dims(x.shape)}, {len(x.shape)}u, {c_dims(y.shape)}, "
                f"{len(y.shape)}u, {int(node.attrs.get('allowzero', 0))})")
    big, small = (x, y) if node.op_type == "Squeeze" else (y, x)
    return (f"o2c_unsqueezed_ok(in1, {s.size}u, {c_dims(big.shape)}, {len(big.shape)}u, "
            f"{c_dims(small.shape)}, {len(small.shape)}u)")


@dataclass(frozen=True)
class CheckedCopy:
    """templates/ops/copy.c.j2 with `check`, the C condition that the run-time shape
    input agrees with the static shapes."""
    check: str


@op("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", strings=True)
def lower_view(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    if x.size != y.size or x.dtype != y.dtype:
        raise CompileError(f"{node.op_type} of {x.dtype.onnx_name}{list(x.shape)} ({x.size} "
                           f"elements) cannot make {y.dtype.onnx_name}{list(y.shape)} "
                           f"({y.size})", node, reason=f"{node.op_type}: element count")
    if node.op_type in ("Reshape", "Squeeze", "Unsqueeze") and runtime(node, ctx, 1) and \
            inp(node, ctx, 1).size:
        return Kernel("ops/copy.c.j2", CheckedCopy(_check(node, ctx)), inputs=[0, 1],
                      inplace=[0])
    return Kernel("ops/copy.c.j2", alias=True, inputs=[0])
