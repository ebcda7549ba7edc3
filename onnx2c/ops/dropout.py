"""Dropout: a copy at inference; in training mode with a seed, numpy's seeded draw.

From opset 12 the ratio and training_mode inputs can ask for random dropping. With a
`seed` attribute the mask is exactly the one the ONNX reference draws (numpy's legacy
RandomState(seed).uniform, reseeded every call, so every call drops the same elements).
Without a seed there is no reproducible answer: compile time refuses it when the inputs
are constants, run time returns O2C_ERR_VALUE."""
from __future__ import annotations

from dataclasses import dataclass

from ..csyntax.cexpr import load
from ..errors import CompileError
from ._strided import Moves, literal
from ._util import inp, out, strides
from .reshape import CheckedCopy
from ..ir.optable import Kernel, op


def _no_dropping(node, ctx) -> tuple[str | None, list[int]]:
    """A C condition that no random dropping is asked for, and the inputs it reads; None
    when that is known at compile time."""
    t, r = inp(node, ctx, 2), inp(node, ctx, 1)
    if node.version < 12 or t is None or (t.data is not None and not t.data.reshape(-1)[0]):
        return None, []
    if r is None or r.data is not None:
        if (0.5 if r is None else float(r.data.reshape(-1)[0])) == 0:
            return None, []
        if t.data is not None and "seed" not in node.attrs:
            raise CompileError("Dropout with training_mode=true, ratio > 0 and no seed zeroes "
                               "elements at random; give the node a seed, set training_mode "
                               "to false or remove the node", node,
                               reason="Dropout: random training mode")
        return "(in2[0] == 0)", [2]
    zero = f"{load(r, 'in1', '0')} == 0"
    return (f"({zero})", [1]) if t.data is not None else (f"(in2[0] == 0 || {zero})", [1, 2])


@dataclass(frozen=True)
class SeededDropout:
    """templates/ops/dropout.c.j2: when `keep` (a C condition) fails, drop elements with
    probability `ratio` (a C expression) from numpy's draw seeded with `seed`."""
    keep: str
    seed: int
    ratio: str


@op("Dropout")
def lower_dropout(node, ctx):
    check, extra = _no_dropping(node, ctx)
    y = out(node, ctx)
    if check and "seed" in node.attrs:
        r = inp(node, ctx, 1)
        ratio = load(r, "in1", "0") if r is not None else "0.5"
        return Kernel("ops/dropout.c.j2", SeededDropout(check, node.attrs["seed"] & 0xffffffff,
                                                            ratio), inputs=[0] + extra,
                      scratch=2512)      # sizeof(o2c_mt19937), rounded up
    if len(node.outputs) < 2 or not node.outputs[1]:
        if check:
            return Kernel("ops/copy.c.j2", CheckedCopy(check), inputs=[0] + extra, inplace=[0])
        return Kernel("ops/copy.c.j2", alias=True, inputs=[0])
    mask = out(node, ctx, 1)
    m = Moves(y.dtype)
    m.move("out0", "in0", y.shape, strides(y.shape), strides(y.shape))
    m.fill("out1", literal(1, mask.dtype), mask.shape, strides(mask.shape), dtype=mask.dtype)
    m.checks += [check] if check else []
    return m.kernel(inputs=[0] + extra)
