"""GridSample (any spatial rank) and AffineGrid (2-D and 3-D), the spatial-transformer pair.

GridSample's grid is run-time data: every coordinate is turned into taps (positions and
weights per axis) by o2c_grid_taps, which clamps, reflects or marks padding before any
element is read. AffineGrid's `size` input decides the output shape: the base grid's
coordinates are compile-time formulas of that shape, and a run-time `size` is checked
against it (its channel count shapes nothing).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._util import inp, out, require_float, runtime, runtime_equals, strides
from ..ir.optable import Kernel, op

# opset 16 spelled the modes after their 2-D forms
_MODES = {"nearest": "NEAREST", "linear": "LINEAR", "bilinear": "LINEAR", "cubic": "CUBIC",
          "bicubic": "CUBIC"}
_PADS = ("zeros", "border", "reflection")


def _float_only(node, x):
    require_float(node, x)


@dataclass(frozen=True)
class GridSample:
    """templates/ops/gridsample.c.j2: N x C planes of `plane` elements (spatial `axes`)
    sampled at `points` grid points with `taps` taps per axis; `plane_strides`: the
    element strides of the spatial axes."""
    n: int
    c: int
    points: int
    plane: int
    axes: list[int]
    mode: str                   # O2C_GRID_NEAREST, _LINEAR or _CUBIC
    pad: str                    # O2C_GRID_ZEROS, _BORDER or _REFLECTION
    align: int
    taps: int
    plane_strides: list[int]


@dataclass(frozen=True)
class AffineGrid:
    """templates/ops/affine_grid.c.j2: loops over `dims` (batch, then the grid) and the
    output point's strides over them; per spatial axis the (start, step) literals of its
    normalized coordinates; `check`: C condition the run-time size input agrees."""
    dims: list[int]
    point_strides: list[int]
    check: str | None
    base: list[tuple[str, str]]


@op("GridSample", since=16)
def lower_grid_sample(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    _float_only(node, x)
    mode, pad = node.attrs.get("mode", "linear"), node.attrs.get("padding_mode", "zeros")
    if mode not in _MODES or pad not in _PADS:
        raise CompileError(f"unknown mode '{mode}' or padding_mode '{pad}'", node,
                           reason="GridSample: mode")
    spatial = list(x.shape[2:])
    kind = _MODES[mode]
    return Kernel("ops/gridsample.c.j2", GridSample(
        x.shape[0], x.shape[1], prod(y.shape[2:]), prod(spatial), spatial,
        f"O2C_GRID_{kind}", f"O2C_GRID_{pad.upper()}", int(node.attrs.get("align_corners", 0)),
        {"NEAREST": 1, "LINEAR": 2, "CUBIC": 4}[kind], strides(spatial)))


def _base_coords(sizes, align: bool) -> list[tuple[str, str]]:
    """Per spatial axis (outermost first), the C literals (start, step) of its normalized
    coordinates in [-1, 1]: pixel centres, or the corners when align_corners."""
    out = []
    for n in sizes:
        if n == 1:      # one sample sits in the middle, whatever the alignment
            start, step = 0.0, 0.0
        elif align:
            start, step = -1.0, 2.0 / (n - 1)
        else:
            start, step = -1.0 + 1.0 / n, 2.0 / n
        out.append((scalar(start, "double"), scalar(step, "double")))
    return out


@op("AffineGrid", since=20)
def lower_affine_grid(node, ctx):
    theta, y = inp(node, ctx, 0), out(node, ctx)
    _float_only(node, theta)
    sizes = list(y.shape[1:-1])     # the value of `size`, but for its channel count
    if len(sizes) not in (2, 3):
        raise CompileError(f"AffineGrid makes 2-D or 3-D grids, not {len(sizes)}-D", node,
                           reason="AffineGrid: rank")
    align = bool(node.attrs.get("align_corners", 0))
    dims = list(y.shape[:-1])      # loop i0 over the batch, i1.. over the grid
    check = runtime_equals("in1", [y.shape[0], None] + sizes) if runtime(node, ctx, 1) else None
    params = AffineGrid(dims, strides(dims), check, _base_coords(sizes, align))
    return Kernel("ops/affine_grid.c.j2", params, inputs=[0, 1] if check else [0])
