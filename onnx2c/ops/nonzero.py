"""NonZero and Compress: outputs as long as the input values say, bounded by a capacity.

Both count what they select first (the count sets the output's run-time dims and the
row length of the packed result), fail with O2C_ERR_CAPACITY if it exceeds the capacity
compiled in, then write."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CompileError
from ._strided import packed_bits
from ._util import axis_split, inp, norm_axis, out, strides
from ..ir.optable import Bound, Kernel, capacity, op


def _check_dtype(node, x):
    if x.dtype.info.kind == "string":
        raise CompileError(f"{node.op_type} of strings is not supported", node,
                           reason=f"{node.op_type}: dtype string")


@capacity("NonZero")
def nonzero_capacity(node, values):
    x = values[node.inputs[0]]
    return [(max(1, len(x.shape)), Bound(x.size))]


@dataclass(frozen=True)
class NonZero:
    """templates/ops/nonzero.c.j2: per axis, the input's element stride and extent, from
    which the template derives the coordinate of the element at a flat index; at most
    `cap` nonzero elements fit the output."""
    axes: list[tuple[int, int]]
    cap: int


@dataclass(frozen=True)
class Compress:
    """templates/ops/compress.c.j2: the input as outer x n x inner around the output's
    axis `axis`; the first `selectable` condition entries choose among the n slices, at
    most `cap` of which fit the output."""
    outer: int
    n: int
    inner: int
    selectable: int
    cap: int
    axis: int
    bits: int                   # element bits of a packed type (0: whole bytes)


@op("NonZero", since=9)
def lower_nonzero(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    _check_dtype(node, x)
    shape = x.shape or (1,)         # a scalar counts as one element (onnxruntime)
    return Kernel("ops/nonzero.c.j2", NonZero(list(zip(strides(shape), shape)), y.shape[1]))


def _compress_layout(node, x, cond_len):
    """(a, outer, n, inner, m): the output dim a the condition decides, the input as
    outer x n x inner around it (flattened when there is no axis), and m, how many
    condition entries can select (entries past the input select nothing)."""
    if node.attrs.get("axis") is None:
        a, (outer, n, inner) = 0, (1, x.size, 1)
    else:
        a = norm_axis(node.attrs["axis"], len(x.shape), node)
        outer, n, inner = axis_split(x.shape, a)
    return a, outer, n, inner, min(cond_len, n)


@capacity("Compress")
def compress_capacity(node, values):
    x, cond = values[node.inputs[0]], values[node.inputs[1]]
    a, _, _, _, m = _compress_layout(node, x, cond.size)
    shape = [x.size] if node.attrs.get("axis") is None else list(x.shape)
    shape[a] = Bound(m) if cond.data is None else \
        int(np.count_nonzero(cond.data.reshape(-1)[:m]))
    return [tuple(shape)]


@op("Compress", since=9)
def lower_compress(node, ctx):
    x, cond, y = inp(node, ctx, 0), inp(node, ctx, 1), out(node, ctx)
    _check_dtype(node, x)
    if len(cond.shape) != 1:
        raise CompileError(f"Compress needs a 1-D condition, got shape {cond.shape}", node,
                           reason="Compress: condition rank")
    a, outer, n, inner, m = _compress_layout(node, x, cond.size)
    return Kernel("ops/compress.c.j2", Compress(outer, n, inner, m, y.shape[a], a,
                                                packed_bits(x.dtype)))
