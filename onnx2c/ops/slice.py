"""Slice and Pad: strided copies between the input and a window of the output.

Pad copies the (cropped) input into the output interior, then fills the border one axis
at a time: the slab of axis k spans the whole output on the axes before k (already
padded) and the interior on the axes after it. Edge, reflect and wrap copy each slab from
output positions that are already final, so pads wider than the input just repeat.

When the bounds (Slice's starts/ends/axes/steps, Pad's pads/axes) only exist at run time,
o2c_shapes.h turns them into per-axis tables of input offsets, checking that they give
the static output shape, and each output element gathers from the sum of its offsets."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ..ir import DType
from ._strided import Moves, literal, packed_bits
from ._util import c_dims, consts, inp, norm_axis, out, runtime, strides
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class AxisTables:
    """templates/ops/axis_tables.c.j2: `call` fills tab with each output coordinate's
    source coordinate (negative: padding); (input, count) of `conv`: int32 index inputs
    widened first; loops over `dims`; axis k's entry in tab sits at table_starts[k] plus
    its loop variable (table_strides[k]: 1 for that loop, 0 for the others); `fill`: the
    padding value (None: Slice); out_strides: the output's strides over the loops."""
    conv: list[tuple[int, int]]
    call: str
    dims: list[int]
    fill: str | None
    bits: int                   # element bits of a packed type (0: whole bytes)
    table_starts: list[int]
    table_strides: list[list[int]]
    out_strides: list[int]


def _tables(node, ctx, fn: str, args: list, fill: str | None, inputs: list[int]) -> Kernel:
    """Slice/Pad through o2c_slice_tables or o2c_pad_tables; `args` are node input indices
    (None: a NULL pointer) or C expressions, passed after the shapes."""
    x, y = inp(node, ctx, 0), out(node, ctx)
    conv, cargs = [], []
    for a in args:
        v = inp(node, ctx, a) if isinstance(a, int) else None
        if isinstance(a, int) and v is not None and v.dtype != DType.INT64:
            conv.append((a, v.size))     # int32 indices, widened for the helper
        cargs.append(a if isinstance(a, str) else "NULL" if v is None else
                     f"in{a}" if v.dtype == DType.INT64 else f"v{a}")
    # loops over the axes longer than 1; axis k's table starts at the sum of y.shape[:k]
    loops = [k for k, d in enumerate(y.shape) if d != 1]
    call = f"{fn}({len(x.shape)}u, {c_dims(x.shape)}, {c_dims(y.shape)}, {', '.join(cargs)}, tab)"
    return Kernel("ops/axis_tables.c.j2", AxisTables(
        conv, call, [y.shape[k] for k in loops], fill, packed_bits(y.dtype),
        [sum(y.shape[:k]) for k in range(len(y.shape))],
        [[int(j == k) for j in loops] for k in range(len(y.shape))],
        [strides(y.shape)[k] for k in loops]),
        scratch=8 * sum(y.shape), inputs=inputs)


@op("Slice")
def lower_slice(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    r = len(x.shape)
    if node.version < 10:
        a = node.attrs
        starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
    elif any(runtime(node, ctx, i) for i in range(1, 5)):
        present = [i for i in range(5) if inp(node, ctx, i) is not None]
        return _tables(node, ctx, "o2c_slice_tables", [f"{inp(node, ctx, 1).size}u", 1, 2, 3, 4],
                       None, present)
    else:
        starts, ends, axes, steps = consts(node, ctx, range(1, 5), "the output shape")
    n = len(starts)
    axes = range(n) if axes is None else [norm_axis(int(a), r, node) for a in axes]
    steps = [1] * n if steps is None else steps
    first, step = [0] * r, [1] * r
    for a, s, e, st in zip(axes, starts, ends, steps):
        if int(st) == 0:
            raise CompileError("Slice step 0 is invalid", node, reason="Slice: step 0")
        picked = range(x.shape[a])[slice(int(s), int(e), int(st))]
        first[a], step[a] = (picked.start if len(picked) else 0), int(st)
    xs = strides(x.shape)
    m = Moves(y.dtype)
    m.move("out0", "in0", y.shape, strides(y.shape), [s * t for s, t in zip(step, xs)],
           src_base=sum(f * s for f, s in zip(first, xs)))
    return m.kernel(inputs=[0])


_MODES = ("constant", "edge", "reflect", "wrap")


def _segments(mode: str, lo: int, n_in: int, n: int, begin: bool):
    """(dst, src, count, src step) runs along one axis that fill n border positions on one
    side of the interior [lo, lo + n_in) from positions filled before them."""
    hi = lo + n_in - 1
    if mode == "edge" or (mode == "reflect" and n_in == 1):
        return [(lo - n, lo, n, 0)] if begin else [(hi + 1, hi, n, 0)]
    # reflect mirrors about the outermost filled position, wrap repeats the last period
    period, segs, done = (n_in - 1 if mode == "reflect" else n_in), [], 0
    while done < n:
        c = min(period, n - done)
        if mode == "reflect":
            pivot = lo - done if begin else hi + done
            segs.append((pivot - c, pivot + c, c, -1) if begin else
                        (pivot + 1, pivot - 1, c, -1))
        else:
            dst = lo - done - c if begin else hi + 1 + done
            segs.append((dst, dst + n_in if begin else dst - n_in, c, 1))
        done += c
    return segs


def _pad_value(node, ctx, y) -> tuple[str, list[int]]:
    """The fill value as a C expression of y's storage type, the kernel inputs."""
    if node.version < 11:
        return literal(node.attrs.get("value", 0.0), y.dtype), [0]
    bits = packed_bits(y.dtype)
    return (literal(0, y.dtype), [0]) if inp(node, ctx, 2) is None else \
        (f"o2c_get_u{bits}(in2, 0)" if bits else "in2[0]", [0, 2])


def _pad_params(node, ctx, rank: int, y):
    """Per-axis (begin, end) pads, the fill value as a C expression, the kernel inputs."""
    if node.version < 11:
        pads, axes = node.attrs["pads"], None
    else:
        pads, axes = consts(node, ctx, [1, 3], "the output shape")
    value, inputs = _pad_value(node, ctx, y)
    axes = range(rank) if axes is None else [norm_axis(int(a), rank, node) for a in axes]
    begin, end = [0] * rank, [0] * rank
    for j, a in enumerate(axes):
        begin[a], end[a] = int(pads[j]), int(pads[len(axes) + j])
    return begin, end, value, inputs


@op("Pad", since=2)
def lower_pad(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    r, mode = len(x.shape), node.attrs.get("mode", "constant")
    if node.version >= 11 and (runtime(node, ctx, 1) or runtime(node, ctx, 3)):
        if mode not in _MODES:
            raise CompileError(f"unknown Pad mode '{mode}'", node, reason="Pad mode")
        value, inputs = _pad_value(node, ctx, y) if mode == "constant" else (None, [0])
        return _tables(node, ctx, "o2c_pad_tables",
                       [f"{inp(node, ctx, 1).size // 2}u", 1, 3, f"O2C_PAD_{mode.upper()}"],
                       value, sorted(set(inputs) | {i for i in (1, 3) if inp(node, ctx, i)}))
    begin, end, value, inputs = _pad_params(node, ctx, r, y)
    # negative pads crop: `inner` input elements per axis land at output position `lo`
    lo = [max(b, 0) for b in begin]
    inner = [max(d - max(-b, 0) - max(-e, 0), 0) for d, b, e in zip(x.shape, begin, end)]
    xs, ys = strides(x.shape), strides(y.shape)
    m = Moves(y.dtype)
    m.move("out0", "in0", inner, ys, xs, dst_base=sum(a * s for a, s in zip(lo, ys)),
           src_base=sum(max(-b, 0) * s for b, s in zip(begin, xs)))
    for k in range(r):
        rest = sum(lo[j] * ys[j] for j in range(k + 1, r))
        for n, first in ((lo[k], True), (max(end[k], 0), False)):
            if n == 0:
                continue
            dims = list(y.shape[:k]) + [n] + inner[k + 1:]
            if mode == "constant":
                at = 0 if first else lo[k] + inner[k]
                m.fill("out0", value, dims, ys, base=rest + at * ys[k])
                continue
            if inner[k] == 0:
                raise CompileError(f"Pad mode '{mode}' needs a non-empty input along axis {k}",
                                   node, reason=f"Pad: {mode} of an empty axis")
            for dst, src, c, step in _segments(mode, lo[k], inner[k], n, first):
                dims[k] = c
                m.move("out0", "out0", dims, ys, ys[:k] + [ys[k] * step] + ys[k + 1:],
                       dst_base=rest + dst * ys[k], src_base=rest + src * ys[k])
    return m.kernel(inputs=inputs)
