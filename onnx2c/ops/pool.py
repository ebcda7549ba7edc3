"""Max/Average/Lp pooling and their Global forms: one window loop, ops differ in C expressions.

A window position is computed in size_t: positions in the front padding wrap around to
huge values, so the single test `x >= H` rejects both the front and the back padding.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..csyntax.literals import scalar
from ..errors import CompileError
from ..ir import DType
from ._util import c_dims, inp, out, require_float, runtime, strides, wanted
from ..ir.optable import Kernel, op


def _looped(stride: int, extent: int) -> int:
    """A loop's stride, 0 when the loop has one iteration (the template then emits no
    loop, and no offset names its variable)."""
    return 0 if extent == 1 else stride


def _pads(node, ins, outs, kernel, st, dil) -> list[int]:
    r, auto = len(ins), node.attrs.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        total = [max(0, (o - 1) * s + (k - 1) * d + 1 - i)
                 for i, o, k, s, d in zip(ins, outs, kernel, st, dil)]
        small = [t // 2 for t in total]
        big = [t - t // 2 for t in total]
        return small + big if auto == "SAME_UPPER" else big + small
    if auto == "VALID":
        return [0] * 2 * r
    return list(node.attrs.get("pads") or [0] * 2 * r)


def _reduction(node, x, div: str) -> tuple[str, str | None, str]:
    """(start value, the new acc from v (None: keep the largest v), result expression);
    `div` is AveragePool's divisor."""
    kind, c = node.op_type.replace("Global", ""), x.dtype.compute
    f = "" if c == "double" else "f"
    if kind == "MaxPool":
        start = -math.inf if x.dtype.is_float else int(np.iinfo(x.dtype.np).min)
        return scalar(start, c), None, "acc"
    require_float(node, x)
    if kind == "AveragePool":
        return scalar(0, c), "acc + v", f"acc / {div}"
    p = int(node.attrs.get("p", 2))
    if p < 1:
        raise CompileError(f"p={p} must be at least 1", node, reason="LpPool: p")
    term = {1: f"fabs{f}(v)", 2: "v * v"}.get(p, f"pow{f}(fabs{f}(v), {scalar(p, c)})")
    result = {1: "acc", 2: f"sqrt{f}(acc)"}.get(p, f"pow{f}(acc, {scalar(1 / p, c)})")
    return scalar(0, c), f"acc + {term}", result


@dataclass(frozen=True)
class PoolAxis:
    """Spatial axis i: `out` output positions o<i>, a window of `k` taps k<i>, the input
    position x<i> = o<i> * step + k<i> * dilation - pad (each 0 without its loop), left
    out when `skip` holds."""
    i: int
    out: int
    k: int
    step: int
    dilation: int
    pad: int
    skip: str | None


@dataclass(frozen=True)
class PoolLoops:
    """Parameters of templates/ops/pool.c.j2."""
    planes: int                 # N * C
    axes: tuple[PoolAxis, ...]
    acc: str                    # the accumulator's C type
    start: str
    fold: str | None            # the new acc from the loaded v; None: keep the largest
    result: str
    count: bool                 # count the elements of each window (n)
    # strides of the plane loop nc (0 without it) and of x*, o*: the element read, its
    # offset as MaxPool's Indices count it, the output element
    in_plane: int
    in_strides: list[int]
    index_strides: list[int]
    out_plane: int
    out_strides: list[int]
    inside: str                 # count_include_pad: the element is real input
    indices: bool


def _axis(node, i, h, o, k, s, d, pb, pe, count_pad: bool) -> tuple[PoolAxis, str | None]:
    """Loop parameters of spatial axis i, and its part of the count_include_pad condition
    for reading real input."""
    if pb >= (k - 1) * d + 1 or pe >= (k - 1) * d + 1:
        raise CompileError(f"pads ({pb}, {pe}) of spatial axis {i} must be smaller than the "
                           f"kernel", node, reason="pool pads not smaller than the kernel")
    last = (o - 1) * s + (k - 1) * d          # window coordinate of the furthest element
    leaves = pb > 0 or last - pb >= h         # some element may fall outside the input
    skip, inside = (f"x{i} >= {h}u" if leaves else None), None
    if count_pad:
        # padding counts, but not the part ceil_mode adds beyond the padded input
        skip = f"x{i} + {pb}u >= {h + pb + pe}u" if last >= h + pb + pe else None
        inside = f"x{i} < {h}u" if leaves else None
    return PoolAxis(i, o, k, _looped(s, o), _looped(d, k), pb, skip), inside


def _kernel(node, ctx, kernel, st, dil, pads) -> Kernel:
    x, y = inp(node, ctx, 0), out(node, ctx)
    ins, outs = list(x.shape[2:]), list(y.shape[2:])
    r, c = len(ins), x.dtype.compute
    count_pad = node.op_type == "AveragePool" and bool(node.attrs.get("count_include_pad", 0))
    axes, inside = zip(*(_axis(node, i, ins[i], outs[i], kernel[i], st[i], dil[i], pads[i],
                               pads[r + i], count_pad) for i in range(r)))
    if node.attrs.get("storage_order", 0):    # Indices count column-major within a plane
        idx_st = [int(np.prod(ins[:i])) for i in range(r)]
    else:
        idx_st = strides(ins)
    planes = int(np.prod(x.shape[:2]))
    indices = wanted(node, 1)
    counted = any(a.skip for a in axes)    # else every window has prod(kernel) elements
    div = f"({c})n" if counted else scalar(int(np.prod(kernel)), c)
    start, fold, result = _reduction(node, x, div)
    params = PoolLoops(planes, tuple(axes), c, start, fold, result,
                       counted and node.op_type == "AveragePool",
                       _looped(int(np.prod(ins)), planes), strides(ins), idx_st,
                       _looped(int(np.prod(outs)), planes),
                       [_looped(m, n) for m, n in zip(strides(outs), outs)],
                       " && ".join(filter(None, inside)), indices)
    return Kernel("ops/pool.c.j2", params, inputs=[0])


@dataclass(frozen=True)
class Pool2d:
    """o2c_pool2d_f32's arguments (runtime_c/o2c_pool.h)."""
    kind: str               # O2C_POOL_MAX, O2C_POOL_AVG or O2C_POOL_AVG_PAD
    planes: int
    in_size: tuple[int, int]
    out_size: tuple[int, int]
    kernel: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]     # top, left, bottom, right


def _pool2d(node, ctx, kernel, st, dil, pads) -> Kernel | None:
    """The library's 2-D float32 pooling, where it applies."""
    x, y = inp(node, ctx, 0), out(node, ctx)
    kind = node.op_type.replace("Global", "")
    if len(kernel) != 2 or x.dtype != DType.FLOAT or kind not in ("MaxPool", "AveragePool") \
            or any(d != 1 for d in dil) or wanted(node, 1):
        return None
    for a in range(2):      # _axis's check, which the generic loop would make
        _axis(node, a, x.shape[2 + a], y.shape[2 + a], kernel[a], st[a], 1, pads[a],
              pads[2 + a], False)
    if kind == "MaxPool":
        name = "O2C_POOL_MAX"
    else:
        name = "O2C_POOL_AVG_PAD" if node.attrs.get("count_include_pad", 0) else "O2C_POOL_AVG"
    return Kernel("ops/pool2d.c.j2", Pool2d(
        name, x.shape[0] * x.shape[1], tuple(x.shape[2:]), tuple(y.shape[2:]), tuple(kernel),
        tuple(st), (pads[0], pads[1], pads[2], pads[3])), inputs=[0])


def _pool(node, ctx, kernel, st, dil, pads) -> Kernel:
    return _pool2d(node, ctx, kernel, st, dil, pads) or _kernel(node, ctx, kernel, st, dil, pads)


@op("MaxPool", "AveragePool", "LpPool")
def lower_pool(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    kernel = list(node.attrs["kernel_shape"])
    r = len(kernel)
    st = list(node.attrs.get("strides") or [1] * r)
    dil = list(node.attrs.get("dilations") or [1] * r)
    pads = node.attrs.get("pads") or [0] * (2 * r)
    if len(x.shape) != r + 2 or len(y.shape) != r + 2 or (len(st), len(dil), len(pads)) != \
            (r, r, 2 * r):
        raise CompileError(f"kernel_shape={kernel}, strides, dilations and pads do not fit the "
                           f"input {list(x.shape)}", node, reason=f"{node.op_type}: attributes")
    return _pool(node, ctx, kernel, st, dil, _pads(node, x.shape[2:], y.shape[2:], kernel,
                                                  st, dil))


@op("GlobalMaxPool", "GlobalAveragePool", "GlobalLpPool")
def lower_global_pool(node, ctx):
    kernel = list(inp(node, ctx, 0).shape[2:])
    r = len(kernel)
    return _pool(node, ctx, kernel, [1] * r, [1] * r, [0] * 2 * r)


@dataclass(frozen=True)
class MaxUnpool:
    """templates/ops/maxunpool.c.j2: indices below `limit` (the pooled input's size) go
    to output offset `dest` (a C expression of the index at); `check`: the run-time
    output_shape agrees."""
    limit: int
    dest: str
    check: str | None


@op("MaxUnpool", since=9)
def lower_max_unpool(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    # y.shape already holds output_shape's value; a run-time one is checked against it
    check = f"o2c_dims_equal(in2, {c_dims(y.shape)}, {len(y.shape)}u)" \
        if runtime(node, ctx, 2) else None
    kernel = list(node.attrs["kernel_shape"])
    r = len(kernel)
    st = list(node.attrs.get("strides") or [1] * r)
    pads = list(node.attrs.get("pads") or [0] * 2 * r)
    # Indices address the shape MaxPool had as input; output_shape may only enlarge it
    pooled = list(x.shape[:2]) + [(h - 1) * s - pads[i] - pads[r + i] + k for i, (h, s, k)
                                  in enumerate(zip(x.shape[2:], st, kernel))]
    if any(a > b for a, b in zip(pooled, y.shape)):
        raise CompileError(f"output_shape {list(y.shape)} is smaller than the unpooled shape "
                           f"{pooled}", node, reason="MaxUnpool: output_shape too small")
    dest = "(size_t)at"
    if pooled != list(y.shape):   # move each pooled coordinate to its place in the output
        terms = []
        for ps, d, ys in zip(strides(pooled), pooled, strides(y.shape)):
            if d > 1:
                div = f" / {ps}u" if ps > 1 else ""
                mod = f" % {d}u" if terms else ""   # the outermost needs no wrap
                terms.append(f"(size_t)at{div}{mod}" + (f" * {ys}u" if ys > 1 else ""))
        dest = " + ".join(terms) or "0"
    return Kernel("ops/maxunpool.c.j2", MaxUnpool(int(np.prod(pooled)), dest, check),
                  inputs=[0, 1, 2] if check else [0, 1])
