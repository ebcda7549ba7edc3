"""Tensor generators and broadcasts: Expand, Tile, ConstantOfShape, EyeLike, Dropout
(inference), Range, Trilu and OneHot."""
from __future__ import annotations

import numpy as np

from ..errors import CompileError
from ._strided import Moves, literal, packed_bits
from ._util import const, consts, inp, norm_axis, out, strides
from .registry import Kernel, op


@op("Expand", since=8)
def lower_expand(node, g):
    x, y = inp(node, g, 0), out(node, g)
    shape = (1,) * (len(y.shape) - len(x.shape)) + tuple(x.shape)
    src = [0 if d == 1 else s for d, s in zip(shape, strides(shape))]
    m = Moves(y.dtype)
    m.move("out0", "in0", y.shape, strides(y.shape), src)
    return m.kernel(inputs=[0])


@op("Tile", since=6)
def lower_tile(node, g):
    # each axis becomes two loops, (repeat, element), so every copy is a plain run
    x, y = inp(node, g, 0), out(node, g)
    dims, dst, src = [], [], []
    for d, yd, xs, ys in zip(x.shape, y.shape, strides(x.shape), strides(y.shape)):
        dims += [yd // d if d else 0, d]
        dst += [d * ys, ys]
        src += [0, xs]
    m = Moves(y.dtype)
    m.move("out0", "in0", dims, dst, src)
    return m.kernel(inputs=[0])


@op("ConstantOfShape", since=9)
def lower_constant_of_shape(node, g):
    y = out(node, g)
    v = node.attrs.get("value")
    m = Moves(y.dtype)
    m.fill("out0", literal(0 if v is None else np.asarray(v).reshape(-1)[0], y.dtype),
           y.shape, strides(y.shape))
    return m.kernel(inputs=[])


@op("EyeLike", since=9)
def lower_eyelike(node, g):
    y = out(node, g)
    n, cols = y.shape
    k = node.attrs.get("k", 0)
    first, stop = max(0, -k), min(n, cols - k)
    m = Moves(y.dtype)
    m.fill("out0", literal(0, y.dtype), y.shape, strides(y.shape))
    m.fill("out0", literal(1, y.dtype), [max(0, stop - first)], [cols + 1],
           base=first * cols + first + k)
    return m.kernel(inputs=[])


@op("Dropout")
def lower_dropout(node, g):
    # Compiled models run inference, which copies the input (an opset < 7 model's is_test
    # is not consulted); from opset 12 on, a training_mode input can ask for random
    # dropping instead, so it must be known at compile time.
    if node.version >= 12 and inp(node, g, 2) is not None and \
            bool(const(node, g, 2, "whether Dropout is random (its training_mode)")):
        ratio = 0.5 if inp(node, g, 1) is None else \
            float(const(node, g, 1, "whether Dropout is random (its ratio)"))
        if ratio > 0:
            raise CompileError("Dropout with training_mode=true and ratio > 0 zeroes elements at "
                               "random; onnx2c compiles inference only (set training_mode to "
                               "false or remove the node)", node,
                               reason="Dropout: random training mode")
    y = out(node, g)
    if len(node.outputs) < 2 or not node.outputs[1]:
        return Kernel("ops/copy.c.j2", alias=True, inputs=[0])
    mask = out(node, g, 1)
    m = Moves(y.dtype)
    m.move("out0", "in0", y.shape, strides(y.shape), strides(y.shape))
    m.fill("out1", literal(1, mask.dtype), mask.shape, strides(mask.shape), dtype=mask.dtype)
    return m.kernel(inputs=[0])


@op("Range", since=11)
def lower_range(node, g):
    # the length depends on all three values, so they are compile-time constants here
    # (and the node is normally folded away); the kernel still reads start and delta
    consts(node, g, range(3), "the output length")
    return Kernel("ops/range.c.j2", inputs=[0, 2])


@op("Trilu", since=14)
def lower_trilu(node, g):
    x = inp(node, g, 0)
    height, cols = x.shape[-2:]
    if x.size == 0:
        return Moves(x.dtype).kernel()
    return Kernel("ops/trilu.c.j2", dict(rows=x.size // cols, height=height, cols=cols,
                                         upper=node.attrs.get("upper", 1),
                                         bits=packed_bits(x.dtype)),
                  inplace=[0])     # each element only reads its own position


@op("OneHot", since=9)
def lower_onehot(node, g):
    idx, y = inp(node, g, 0), out(node, g)
    depth = int(np.asarray(const(node, g, 1, "the output shape")).reshape(-1)[0])
    axis = norm_axis(node.attrs.get("axis", -1), len(y.shape), node)
    inner = int(np.prod(idx.shape[axis:], dtype=np.int64))
    if y.size == 0:
        return Moves(y.dtype).kernel(inputs=[0, 2])
    return Kernel("ops/onehot.c.j2", dict(depth=depth, inner=inner, outer=idx.size // inner,
                                          bits=packed_bits(y.dtype)), inputs=[0, 2])
