"""Concat and Split: one strided copy per piece, placed along the axis by offset.

Split reads the piece sizes from its outputs' inferred shapes, so neither the `split`
input nor `num_outputs` (uneven last piece) needs to be read here; a run-time `split` is
only checked against them."""
from __future__ import annotations

from ._strided import Moves
from ._util import c_dims, inp, norm_axis, out, runtime, strides
from ..ir.optable import op


@op("Concat")
def lower_concat(node, ctx):
    y = out(node, ctx)
    axis = norm_axis(node.attrs["axis"], len(y.shape), node)
    ys, at, m = strides(y.shape), 0, Moves(y.dtype)
    for i in range(len(node.inputs)):
        x = inp(node, ctx, i)
        m.move("out0", f"in{i}", x.shape, ys, strides(x.shape), dst_base=at * ys[axis])
        at += x.shape[axis]
    kernel = m.kernel()
    if all(d == 1 for d in y.shape[:axis]) and y.dtype.bits % 8 == 0 and \
            all(inp(node, ctx, i) is not None for i in range(len(node.inputs))):
        # each input is one contiguous byte range of the output: producers can write there
        starts = [0]
        for i in range(len(node.inputs) - 1):
            starts.append(starts[-1] + inp(node, ctx, i).nbytes)
        kernel.places = starts
    return kernel


@op("Split")
def lower_split(node, ctx):
    x = inp(node, ctx, 0)
    axis = norm_axis(node.attrs.get("axis", 0), len(x.shape), node)
    xs, at, m = strides(x.shape), 0, Moves(x.dtype)
    for k in range(len(node.outputs)):
        y = out(node, ctx, k)
        m.move(f"out{k}", "in0", y.shape, strides(y.shape), xs, src_base=at * xs[axis])
        at += y.shape[axis]
    if runtime(node, ctx, 1):
        parts = [out(node, ctx, k).shape[axis] for k in range(len(node.outputs))]
        m.checks.append(f"o2c_dims_equal(in1, {c_dims(parts)}, {len(parts)}u)")
    return m.kernel(inputs=[0, 1] if m.checks else [0])
