"""Softmax, LogSoftmax and Hardmax along one axis (before opset 13: over the flattened
trailing axes, the input coerced to 2-D at `axis`)."""
from __future__ import annotations

import numpy as np

from ._util import inp, lane_loops, norm_axis, out, require_float
from ..ir.optable import Kernel, op


@op("Softmax", "LogSoftmax", "Hardmax")
def lower_softmax(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    require_float(node, x)
    shape = x.shape
    axis = norm_axis(node.attrs["axis"], len(shape), node)
    if node.version < 13:
        shape = (int(np.prod(shape[:axis], dtype=np.int64)),
                 int(np.prod(shape[axis:], dtype=np.int64)))
        axis = 1
    params = lane_loops(shape, axis)
    # float and double outputs hold exp() exactly, so Softmax need not recompute it;
    # every lane reads element k before it writes it, so the output may overwrite x
    params.update(kind=node.op_type, direct=y.dtype.ctype == y.dtype.compute)
    return Kernel("ops/softmax.c.j2", params, inplace=[0])
