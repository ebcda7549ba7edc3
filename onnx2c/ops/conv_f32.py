"""Float32 Conv and ConvTranspose: which kernel of runtime_c/o2c_conv.h runs a layer.

- depthwise (one input channel per group, 1-D or 2-D): the direct kernel; planes with
  rows shorter than _FLAT_BELOW (stride 1) as one flat run;
- pointwise with as many outputs as inputs: the GEMM on the image a band of positions at
  a time, so that it may write over its input (the memory planner decides);
- 2-D and 1-D convolutions with a column stride of 1 or 2 and output rows of at least
  _ROWS_MIN_WIDTH: directly on a stack of the input rows that _ROWS_PASS output rows
  read (o2c_convrow.h), without im2col;
- any other convolution: the GEMM on the image itself when pointwise, else on the
  im2col of `tile` output positions at a time (output rows too short to fill vector
  registers are better flattened this way);
- ConvTranspose: the GEMM of W^T and the image, `tile` input positions at a time, then
  col2im.

Constant weights are packed at compile time (ops/packing.py); weights that are graph
inputs are packed into scratch at run time. Scratch sizes here mirror the C macros, and
the generated code checks the two agree.
"""
from __future__ import annotations

from dataclasses import dataclass

from .conv_geometry import ConvGeometry, geometry
from .epilogue import Epilogue, epilogue_of
from ._util import inp
from .packing import pack_a, packed_rows
from ..ir.optable import Kernel

# im2col tiles: at most this many bytes (small next to a microcontroller's SRAM), but at
# least _TILE_MIN_COLS columns, so that a layer with a long reduction still gives the
# register tiles full rows of positions
_TILE_BYTES = 16 * 1024
_TILE_MIN_COLS = 32
_ROWS_MIN_WIDTH = 16       # narrower rows leave vector lanes idle: im2col flattens them
_ROWS_PASS = 4             # output rows per stack: each weight block serves them all
_FLAT_BELOW = 32           # depthwise rows shorter than two AVX-512 vectors go flat
F32 = 4


@dataclass(frozen=True)
class ConvF32:
    kernel: str             # depthwise | rows | band | gemm | transpose
    shape: ConvGeometry
    tile: int               # positions per im2col / col2im tile or band, output rows
                            # per stack pass, or 1 for a flat depthwise; 0: none
    epilogue: Epilogue
    bias: bool
    pack_rows: int          # rows per group of weights packed at run time; 0: at compile time
    pack_k: int             # their reduction length
    scratch: int            # bytes: weights packed at run time, then the kernel's own


def _tile(rows: int, positions: int, small: bool) -> int:
    """Columns of a tile of `rows` floats each: _TILE_BYTES worth, within bounds (with
    `small`, --optimize size, at most _TILE_BYTES unless one column is longer)."""
    least = 1 if small else _TILE_MIN_COLS
    return min(positions, max(least, _TILE_BYTES // (rows * F32)))


def _span(out: int, stride: int, k: int, dil: int) -> int:
    return (out - 1) * stride + (k - 1) * dil + 1        # O2C_DWCONV_SPAN


def _kernel_scratch(kind: str, s: ConvGeometry, tile: int) -> int:
    """The C companions O2C_*_SCRATCH_BYTES of the chosen kernel."""
    if kind == "depthwise":
        (_, oh, ow), (_, sh, sw) = s.padded3("out_size", 1), s.padded3("strides", 1)
        (_, kh, kw), (_, dh, dw) = s.padded3("kernel", 1), s.padded3("dilations", 1)
        flat = (oh * _span(ow, sw, kw, dw) + 32) * F32 if tile else 0    # FLAT_BYTES
        return (_span(oh, sh, kh, dh) * _span(ow, sw, kw, dw) + 1) * F32 + flat
    if kind == "band":
        return s.out_c * tile * F32
    if kind == "rows":
        (_, kh, kw), (_, sh, sw), (_, dh, dw) = s.padded3("kernel", 1), \
            s.padded3("strides", 1), s.padded3("dilations", 1)
        return (s.cig * _span(tile, sh, kh, dh) * _span(s.out_size[-1], sw, kw, dw) + 1) * F32
    if kind == "transpose":
        return s.cog * s.taps * tile * F32
    return s.cig * s.taps * tile * F32


def _choose(s: ConvGeometry, transpose: bool, small: bool) -> tuple[str, int]:
    """(kernel, tile); `small` (--optimize size) trades speed on vector targets for less
    scratch: strict im2col tiles, one output row per stack pass, no flat depthwise."""
    if transpose:
        return "transpose", _tile(s.cog * s.taps, s.in_plane, small)
    if s.depthwise and s.rank <= 2:
        _, sh, sw = s.padded3("strides", 1)
        return "depthwise", int(sh == sw == 1 and s.out_size[-1] < _FLAT_BELOW and not small)
    if s.pointwise and s.groups == 1 and s.in_c == s.out_c:
        return "band", _tile(s.out_c, s.out_plane, small)
    if s.rank <= 2 and not s.pointwise and s.strides[-1] <= 2 and \
            s.out_size[-1] >= _ROWS_MIN_WIDTH:
        return "rows", 1 if small else min(_ROWS_PASS, s.padded3("out_size", 1)[1])
    return "gemm", 0 if s.pointwise else _tile(s.cig * s.taps, s.out_plane, small)


def _packed_weights(kind: str, s: ConvGeometry, w):
    """The weight matrix of each group as the kernel streams it: (G, rows, K)."""
    if kind == "transpose":     # W is (C_in, C_out / G, k...): rows (co, taps), K = ci
        return w.reshape(s.groups, s.cig, s.cog * s.taps).transpose(0, 2, 1)
    return w.reshape(s.groups, s.cog, s.cig * s.taps)


def lower_conv_f32(node, ctx, transpose: bool = False) -> Kernel:
    s = geometry(node, ctx, 0, 1, transpose)
    kind, tile = _choose(s, transpose, ctx.options.optimize == "size")
    w, ep = inp(node, ctx, 1), epilogue_of(node, ctx)
    packed, pack_rows, pack_k, pack_bytes = {}, 0, 0, 0
    if kind != "depthwise":
        mats_shape = (s.cog * s.taps, s.cig) if transpose else (s.cog, s.cig * s.taps)
        if w.is_const:
            packed[1] = pack_a(_packed_weights(kind, s, w.data)).reshape(-1)
        else:
            pack_rows, pack_k = mats_shape
            pack_bytes = s.groups * packed_rows(pack_rows) * pack_k * F32
    scratch = pack_bytes + _kernel_scratch(kind, s, tile)
    params = ConvF32(kind, s, tile, ep, inp(node, ctx, 2) is not None, pack_rows, pack_k, scratch)
    inplace = [0] if kind in ("band", "depthwise") and s.in_c == s.out_c else []
    # the output may overwrite the residual (each element reads its own before writing
    # it) unless that is the image too, which the GEMM path reads again across tiles
    if ep.residual is not None and kind != "transpose" and \
            node.inputs[ep.residual] != node.inputs[0]:
        inplace.append(ep.residual)
    return Kernel("ops/conv_f32.c.j2", params, scratch=scratch, inplace=inplace, packed=packed)
