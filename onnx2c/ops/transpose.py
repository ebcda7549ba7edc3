"""Transpose: one strided copy that walks the output in order."""
from __future__ import annotations

from ..errors import CompileError
from ._strided import Moves
from ._util import inp, out, strides
from ..ir.optable import op


@op("Transpose")
def lower_transpose(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    perm = node.attrs.get("perm") or list(range(len(x.shape)))[::-1]
    if sorted(perm) != list(range(len(x.shape))) or \
            list(y.shape) != [x.shape[p] for p in perm]:
        raise CompileError(f"perm={list(perm)} is not a permutation of the {len(x.shape)} axes "
                           f"of {list(x.shape)} giving {list(y.shape)}", node,
                           reason="Transpose: perm")
    xs = strides(x.shape)
    m = Moves(y.dtype)
    m.move("out0", "in0", y.shape, strides(y.shape), [xs[p] for p in perm])
    return m.kernel()
