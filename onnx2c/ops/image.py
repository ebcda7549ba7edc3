"""Col2Im, CenterCropPad and DeformConv.

Col2Im's image and block shapes and CenterCropPad's target shape decide the output shape:
Col2Im becomes a loop nest with every bound and stride baked in, CenterCropPad a strided
copy. When these inputs only exist at run time, the kernel checks them against the static
shapes (O2C_ERR_VALUE when they disagree); the shapes fix all but Col2Im's block shape,
whose few fitting values are compiled as cases, one chosen at run time. DeformConv's
offsets and mask are run-time data: each sampling point goes through o2c_grid_taps
(bilinear, zero padding), as in the reference, which samples with GridSample.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..errors import CompileError
from ._strided import Moves, literal
from ._util import const, inp, norm_axis, out, runtime, runtime_equals, strides
from ..ir.optable import Kernel, op

_MAX_CASES = 8      # block shapes a run-time block_shape may choose among


@dataclass(frozen=True)
class Col2ImCase:
    """One block shape of templates/ops/col2im.c.j2 (run when `cond` holds): kernel taps
    k* over `kernel` and block positions b* over `blocks`, with the strides that flatten
    them and the image coordinates x*."""
    cond: str | None
    kernel: list[int]
    blocks: list[int]
    image: list[int]
    taps: int
    cols: int
    kernel_strides: list[int]
    block_strides: list[int]
    image_strides: list[int]


@dataclass(frozen=True)
class Col2Im:
    """Parameters of templates/ops/col2im.c.j2: `planes` images of `px` pixels; per
    spatial axis, the block `step`, the tap `dilation` and the `pad` before the image."""
    planes: int
    px: int
    step: list[int]
    dilation: list[int]
    pad: list[int]
    cases: list[Col2ImCase]
    checks: list[str]


@dataclass(frozen=True)
class DeformConv:
    """templates/ops/deformconv.c.j2: an N x CI x H x W input, CO x CI/group x KH x KW
    weights, an OH x OW output; per spatial axis the stride, dilation and leading pad
    that place a tap before its offset moves it."""
    n: int
    ci: int
    h: int
    w: int
    co: int
    kh: int
    kw: int
    oh: int
    ow: int
    cig: int                    # input channels per group
    cog: int                    # output channels per group
    og: int                     # offset groups
    ciog: int                   # input channels per offset group
    step: list[int]
    dilation: list[int]
    pad: list[int]
    bias: bool
    mask: bool


def _geometry(node, r: int) -> tuple[list[int], list[int], list[int]]:
    """Per spatial axis: strides, dilations, and the pads before then after."""
    a = node.attrs
    return (list(a.get("strides") or [1] * r), list(a.get("dilations") or [1] * r),
            list(a.get("pads") or [0] * (2 * r)))


def _col2im_case(node, x, y, image, block, cond=None) -> Col2ImCase | None:
    """Template parameters of Col2Im with these image and block shapes; None when the
    static shapes do not fit them."""
    r = len(image)
    st, dil, pads = _geometry(node, r)
    blocks = [(image[i] + pads[i] + pads[r + i] - dil[i] * (block[i] - 1) - 1) // st[i] + 1
              for i in range(r)]
    if min(blocks + block) <= 0 or prod(blocks) != x.shape[2] or \
            x.shape[1] != y.shape[1] * prod(block) or list(y.shape[2:]) != image:
        return None
    return Col2ImCase(cond, block, blocks, image, prod(block), prod(blocks),
                      strides(block), strides(blocks), strides(image))


def _factors(n: int, parts: int):
    """Every way of writing n as an ordered product of `parts` positive factors."""
    if parts == 1:
        yield [n]
        return
    for d in range(1, n + 1):
        if n % d == 0:
            for rest in _factors(n // d, parts - 1):
                yield [d] + rest


@op("Col2Im", since=18)
def lower_col2im(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    image = list(y.shape[2:])       # the value of image_shape, checked when run-time
    checks = [runtime_equals("in1", image)] if runtime(node, ctx, 1) else []
    if runtime(node, ctx, 2):
        # block shapes with the static element and block counts: each a compiled case
        taps = x.shape[1] // y.shape[1] if y.shape[1] else 0
        cases = [c for b in (_factors(taps, len(image)) if taps else ())
                 if (c := _col2im_case(node, x, y, image, b, runtime_equals("in2", b)))]
        if len(cases) > _MAX_CASES:
            const(node, ctx, 2, "the output shape")
    else:
        if not checks and list(map(int, const(node, ctx, 1, "the output shape"))) != image:
            raise CompileError("image_shape disagrees with the output shape", node,
                               reason="Col2Im: shapes disagree")
        block = list(map(int, const(node, ctx, 2, "the output shape")))
        cases = [_col2im_case(node, x, y, image, block)]
    if not cases or cases[0] is None:
        raise CompileError(f"input {list(x.shape)} and output {list(y.shape)} fit no "
                           f"block shape", node, reason="Col2Im: shapes disagree")
    st, dil, pads = _geometry(node, len(image))
    return Kernel("ops/col2im.c.j2", Col2Im(prod(y.shape[:2]), prod(image), st, dil,
                                            pads[:len(image)], cases, checks),
                  inputs=[i for i in range(3) if i == 0 or runtime(node, ctx, i)])


@op("CenterCropPad", since=18)
def lower_center_crop_pad(node, ctx):
    x, y = inp(node, ctx, 0), out(node, ctx)
    r = len(x.shape)
    axes = [norm_axis(v, r, node) for v in node.attrs.get("axes") or range(r)]
    counts, src, dst = list(x.shape), [0] * r, [0] * r
    for i in axes:
        d, s = x.shape[i], y.shape[i]
        if s < d:
            src[i], counts[i] = (d - s) // 2, s
        elif s > d:
            dst[i] = (s - d) // 2
    xs, ys = strides(x.shape), strides(y.shape)
    m = Moves(y.dtype)
    if runtime(node, ctx, 1):      # y.shape holds the target shape; a run-time one must agree
        m.checks.append(runtime_equals("in1", [y.shape[i] for i in axes]))
    if counts != list(y.shape):
        m.fill("out0", literal(0, y.dtype), y.shape, ys)
    m.move("out0", "in0", counts, ys, xs, dst_base=sum(a * b for a, b in zip(dst, ys)),
           src_base=sum(a * b for a, b in zip(src, xs)))
    return m.kernel(inputs=[0, 1] if m.checks else [0])


@op("DeformConv", since=19)
def lower_deform_conv(node, ctx):
    x, w, y = inp(node, ctx, 0), inp(node, ctx, 1), out(node, ctx)
    if len(x.shape) != 4 or not x.dtype.is_float:
        raise CompileError("DeformConv is supported for 2-D float images", node,
                           reason="DeformConv: 2-D float only")
    a = node.attrs
    n, ci, h, wd = x.shape
    co, kh, kw = y.shape[1], w.shape[2], w.shape[3]
    group, og = a.get("group", 1), a.get("offset_group", 1)
    st, dil, pads = _geometry(node, 2)
    t = x.dtype.compute
    return Kernel("ops/deformconv.c.j2", DeformConv(
        n, ci, h, wd, co, kh, kw, y.shape[2], y.shape[3], ci // group, co // group, og,
        ci // og, st, dil, pads[:2], inp(node, ctx, 3) is not None, inp(node, ctx, 4) is not None),
        scratch=co * (8 if t == "double" else 4))
