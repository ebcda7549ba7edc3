"""Resize (opset 10+) and the deprecated Upsample: nearest, (anti-aliased) linear and cubic.

Output sizes and scales decide the shape, which is static; when they are read at run
time, they must give that shape (else O2C_ERR_VALUE) and the axes use their values. The taps
and weights of each resized axis are tabulated in C once per call (o2c_resize.h) rather
than baked into static tables, because tf_crop_and_resize's box (roi) is run-time data and
because tables would cost flash in proportion to the output size. Each output element is
then a separable weighted sum over its taps, axis by axis in the reference's order.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..csyntax.cexpr import load
from ..csyntax.literals import scalar as lit
from ..errors import CompileError
from ._util import c_dims, const, inp, norm_axis, out, runtime, strides
from ..ir.optable import Kernel, op

_COORD = ("half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
          "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize")
_NEAREST = ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")


def _scales(node, ctx, rank: int, x, y, axes) -> tuple[list, list[str], int | None]:
    """Per-axis scale factors as the reference computes them (sizes give out / in): floats,
    or C expressions where they are read at run time; the C conditions under which
    run-time scales or sizes give the static output shape; the input they come from."""
    if node.op_type == "Upsample" and node.version < 9:
        return [float(s) for s in node.attrs["scales"]], [], None
    new = node.version >= 11 and node.op_type == "Resize"
    scale = [1.0] * rank
    if not new or inp(node, ctx, 3) is None or inp(node, ctx, 3).size == 0:
        k = 2 if new else 1
        if not runtime(node, ctx, k):
            for i, d in enumerate(axes):
                scale[d] = float(const(node, ctx, k)[i])
            return scale, [], k
        for i, d in enumerate(axes):     # the reference truncates scale * in
            scale[d] = f"(double){load(inp(node, ctx, k), f'in{k}', str(i))}"
        return scale, [f"o2c_resize_len_ok({scale[d]}, {x[d]}, {y[d]}, 0.0)" for d in axes], k
    policy = node.attrs.get("keep_aspect_ratio_policy", "stretch")
    if runtime(node, ctx, 3) and policy != "stretch":
        s = (f"o2c_resize_policy_scale(in3, {c_dims([x[d] for d in axes])}, {len(axes)}u, "
             f"{int(policy == 'not_smaller')})")
        for d in axes:
            scale[d] = s
        return scale, [f"o2c_resize_len_ok({s}, {x[d]}, {y[d]}, 0.5)" for d in axes], 3
    if runtime(node, ctx, 3):        # stretch: the sizes are the static output shape
        sizes, checks = [y[d] for d in axes], [f"in3[{i}] == {y[d]}" for i, d in enumerate(axes)]
    else:
        sizes, checks = const(node, ctx, 3), []
    wanted = {d: int(sizes[i]) / x[d] if x[d] else 1.0 for i, d in enumerate(axes)}
    if policy != "stretch":
        s = (min if policy == "not_larger" else max)(wanted.values())
        wanted = {d: s for d in axes}
    return [wanted.get(d, 1.0) for d in range(rank)], checks, 3


def _kernel_kind(node, mode: str, scale: float) -> str:
    if mode in ("linear", "cubic"):
        return mode.upper()
    if node.op_type == "Upsample" or node.version < 11:
        # before nearest_mode existed, onnxruntime floors when upsampling, ceils when shrinking
        return "FLOOR" if scale >= 1.0 else "CEIL"
    nearest = node.attrs.get("nearest_mode", "round_prefer_floor")
    if nearest not in _NEAREST:
        raise CompileError(f"unknown nearest_mode '{nearest}'", node, reason="Resize nearest_mode")
    return nearest.upper()


def _taps(mode: str, scale: float, antialias: bool) -> int:
    if mode == "nearest":
        return 1
    support = 1.0 if mode == "linear" else 2.0
    s = min(scale, 1.0) if antialias else 1.0
    return 2 - 2 * (math.floor(-support / s) + 1)


def _limits(dtype, wtype: str):
    """Clamp bounds for integer outputs (the reference rounds half to even, then saturates),
    pulled inside the range where the float-to-integer conversion is defined."""
    bits = dtype.bits
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if dtype.is_signed else \
        (0, (1 << bits) - 1)
    hi_f = float(hi)
    if int(hi_f) > hi:
        hi_f = math.nextafter(hi_f, 0.0)
    return lit(float(lo), wtype), lit(hi_f, wtype)


@dataclass(frozen=True)
class ResizedAxis:
    """An axis Resize interpolates: `taps` weights per output position, its tables at
    `off`; `roi`: where its crop box sits in the roi input (None: no crop); `static`:
    the scale is known; `init`: the o2c_resize_axis initializer (a C expression)."""
    axis: int
    taps: int
    off: int
    roi: tuple[int, int] | None
    static: bool
    init: str


@dataclass(frozen=True)
class Resize:
    """Parameters of templates/ops/resize.c.j2 (only `empty` for an empty output)."""
    empty: bool
    dims: list[int] | None = None
    axes: list[ResizedAxis] | None = None
    nearest: bool = True        # one tap per axis: no weights
    wtype: str = "float"        # the weights' and sums' C type
    checks: list[str] | None = None
    w_bytes: int = 0
    in_strides: list[int] | None = None     # per axis (0: the element read ignores it)
    out_strides: list[int] | None = None
    limits: tuple[str, str] | None = None   # an integer output's range, as wtype literals
    extrapolation: float | None = None


def _resized_axes(node, x, y, scale, axes, coord, mode, antialias) -> list[ResizedAxis]:
    """One entry per axis that is not an identity (its o2c_resize_axis and table offset),
    in the order the reference interpolates them: `axes`, whose first is summed innermost.

    A run-time scale (a C expression) may differ from 1 while keeping the length, so only
    single-element axes are skipped; its taps are those of the smallest scale giving the
    static length (a narrower antialiasing filter gives the extra taps zero weight)."""
    crop = coord == "tf_crop_and_resize"
    a, resized, off = node.attrs, [], 0
    for d in axes:
        n_in, n_out, known = x.shape[d], y.shape[d], not isinstance(scale[d], str)
        if not crop and n_out == n_in and (scale[d] == 1.0 or n_in == 1):
            continue
        low = scale[d] if known else max(n_out - 0.5, 0.5) / max(n_in, 1)
        taps = _taps(mode, low, antialias)
        # opset < 11 nearest depends on scale >= 1, which is n_out >= n_in for any scale
        kind = _kernel_kind(node, mode, scale[d] if known else n_out / max(n_in, 1))
        fields = [n_in, n_out, repr(float(scale[d])) if known else scale[d],
                  f"O2C_RESIZE_{coord.upper()}", f"O2C_RESIZE_{kind}", taps,
                  repr(float(a.get("cubic_coeff_a", -0.75))), int(antialias),
                  int(a.get("exclude_outside", 0))]
        roi = (axes.index(d), len(axes) + axes.index(d)) if crop else None
        resized.append(ResizedAxis(d, taps, off, roi, known,
                            init="{" + ", ".join(map(str, fields)) + "}"))
        off += y.shape[d] * taps
    return resized


def _in_strides(shape, resized) -> list[int]:
    """Input strides of every axis the element read depends on: the loop index of a kept
    axis, the tabulated index of a resized one; 0 for the rest."""
    tabulated = {e.axis for e in resized}
    return [s if shape[d] != 1 or d in tabulated else 0 for d, s in enumerate(strides(shape))]


@op("Upsample", since=7)
@op("Resize", since=10)
def lower_resize(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    r, a = len(x.shape), node.attrs
    mode = a.get("mode", "nearest")
    if mode not in ("nearest", "linear", "cubic"):
        raise CompileError(f"unknown Resize mode '{mode}'", node, reason="Resize mode")
    new = node.op_type == "Resize" and node.version >= 11
    coord = a.get("coordinate_transformation_mode", "half_pixel") if new else "asymmetric"
    if coord not in _COORD:
        raise CompileError(f"unknown coordinate_transformation_mode '{coord}'", node,
                           reason="Resize coordinate_transformation_mode")
    crop = coord == "tf_crop_and_resize"
    if crop and inp(node, ctx, 1) is None:
        raise CompileError("tf_crop_and_resize needs the roi input", node, reason="Resize roi")
    axes = [norm_axis(d, r, node) for d in a.get("axes") or range(r)]
    antialias = bool(a.get("antialias", 0)) and mode != "nearest"
    scale, checks, src = _scales(node, ctx, r, x.shape, y.shape, axes)
    resized = _resized_axes(node, x, y, scale, axes, coord, mode, antialias)
    inputs = ([0, 1] if crop else [0]) + ([src] if checks else [])
    if y.size == 0:
        return Kernel("ops/resize.c.j2", Resize(empty=True), inputs=inputs)
    nearest = mode == "nearest" or not resized     # one tap per axis: no weights
    # integers round the sum half to even like the reference, which sums in double: in
    # float, values near a tie would round the other way
    wtype = "double" if x.dtype.compute == "double" or x.dtype.is_int else "float"
    n_taps = sum(e.taps * y.shape[e.axis] for e in resized)
    w_bytes = 0 if nearest else n_taps * (8 if wtype == "double" else 4)
    params = Resize(False, list(y.shape), resized, nearest, wtype, checks, w_bytes,
                    _in_strides(x.shape, resized), strides(y.shape),
                    _limits(y.dtype, wtype) if y.dtype.is_int and not nearest else None,
                    float(a.get("extrapolation_value", 0.0)) if crop else None)
    return Kernel("ops/resize.c.j2", params, scratch=w_bytes + 4 * n_taps, inputs=inputs)
