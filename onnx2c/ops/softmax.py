"""Softmax, LogSoftmax and Hardmax along one axis (before opset 13: over the flattened
trailing axes, the input coerced to 2-D at `axis`)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._util import Lanes, inp, lane_loops, norm_axis, out, require_float
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class Softmax:
    """templates/ops/softmax.c.j2: the lanes along the axis (ops/_util.Lanes); `direct`:
    the output type holds exp() exactly."""
    lanes: Lanes
    kind: str                   # Softmax, LogSoftmax or Hardmax
    direct: bool


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
    # float and double outputs hold exp() exactly, so Softmax need not recompute it;
    # every lane reads element k before it writes it, so the output may overwrite x
    params = Softmax(lane_loops(shape, axis), kind=node.op_type,
                     direct=y.dtype.ctype == y.dtype.compute)
    return Kernel("ops/softmax.c.j2", params, inplace=[0])
