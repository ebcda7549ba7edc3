"""RoiAlign: average or max of bilinear samples over the bins of each region of interest;
MaxRoiPool: the largest element of each bin.

Boxes and batch indices are run-time data: a batch index out of range returns
O2C_ERR_INDEX, and the number of samples per bin (sampling_ratio 0: as many as the bin
is pixels wide) is a run-time loop bound, so no table is sized by it. Each sample's four
neighbours are found once and then read in every channel; the channels' sums live in
scratch, in the compute type.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..csyntax.literals import scalar
from ..errors import CompileError
from ._util import inp, out, require_float
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class RoiBins:
    """`rois` regions of an N x C x H x W input, each pooled into ph x pw bins."""
    rois: int
    n: int
    c: int
    h: int
    w: int
    ph: int
    pw: int


@dataclass(frozen=True)
class RoiAlign(RoiBins):
    """templates/ops/roialign.c.j2: `ratio` samples a bin (0: adaptive); scale and offset
    are literals (None: 1 and 0); `max`: take the largest sample, else the mean."""
    scale: str | None
    offset: str | None
    ratio: int
    max: bool


@op("RoiAlign", since=10)
def lower_roi_align(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    require_float(node, x)
    a = node.attrs
    mode = a.get("mode", "avg")
    # opset 10 had no attribute and behaved as output_half_pixel
    coord = a.get("coordinate_transformation_mode", "output_half_pixel")
    if mode not in ("avg", "max") or coord not in ("half_pixel", "output_half_pixel"):
        raise CompileError(f"unknown mode '{mode}' or coordinate_transformation_mode "
                           f"'{coord}'", node, reason="RoiAlign: mode")
    t = x.dtype.compute
    n, c, h, w = x.shape
    return Kernel("ops/roialign.c.j2", RoiAlign(
        y.shape[0], n, c, h, w, y.shape[2], y.shape[3],
        scalar(a["spatial_scale"], t) if a.get("spatial_scale", 1.0) != 1.0 else None,
        scalar(0.5, t) if coord == "half_pixel" else None,
        int(a.get("sampling_ratio", 0)), mode == "max"),
        scratch=c * (8 if t == "double" else 4))


@dataclass(frozen=True)
class MaxRoiPool(RoiBins):
    """templates/ops/maxroipool.c.j2: the largest element of each bin; `scale`: the
    literal spatial_scale."""
    scale: str


@op("MaxRoiPool")
def lower_max_roi_pool(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    require_float(node, x)
    return Kernel("ops/maxroipool.c.j2", MaxRoiPool(
        y.shape[0], *x.shape, y.shape[2], y.shape[3],
        scalar(node.attrs.get("spatial_scale", 1.0), x.dtype.compute)))
