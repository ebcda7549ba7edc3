"""Conv, ConvInteger, QLinearConv and ConvTranspose over 1-D, 2-D and 3-D images.

A float32 Conv that is not depthwise runs as GEMMs on the o2c_gemm_f32 core: a 1x1
stride-1 unpadded conv multiplies the image itself, any other one goes through the im2col
of a tile of output positions in scratch, capped at _TILE_BYTES so that big layers stay
within a microcontroller's RAM. Depthwise convs, ConvTranspose and the other dtypes use a
direct loop that visits only the kernel taps which land inside the input.
"""
from __future__ import annotations

from math import prod

from ..errors import CompileError
from ..ir import DType
from ._util import inp, out, strides
from .matmul import Accum, plain_accum, qparam, requant
from ..ir.optable import Kernel, op

# im2col scratch cap: small next to a microcontroller's SRAM, yet enough columns (>= 7 for
# a 3x3 conv over 64 channels) for the GEMM core to amortise its per-call work
_TILE_BYTES = 16 * 1024


def _geometry(node, x, y, k, transpose: bool):
    """(strides, dilations, leading pads) per spatial axis, auto_pad resolved."""
    r = len(k)
    s = list(node.attrs.get("strides") or [1] * r)
    d = list(node.attrs.get("dilations") or [1] * r)
    begin = list(node.attrs.get("pads") or [0] * (2 * r))[:r]
    auto = node.attrs.get("auto_pad", "NOTSET")
    if auto == "VALID":
        begin = [0] * r
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        extra = node.attrs.get("output_padding") or [0] * r
        for a, (i, o) in enumerate(zip(x.shape[2:], y.shape[2:])):
            span = (k[a] - 1) * d[a] + 1
            total = s[a] * (i - 1) + extra[a] + span - o if transpose else \
                max(0, (o - 1) * s[a] + span - i)
            begin[a] = total // 2 if auto == "SAME_UPPER" else total - total // 2
    return s, d, begin


def _idx(base: str, terms) -> str:
    """C index 'base + e0 * stride0 + ...' over (expression, stride) pairs."""
    return " + ".join([base] + [e if st == 1 else f"{e} * {st}u" for e, st in terms])


def _scaled(var: str, k: int, op: str = "*") -> str:
    return var if k == 1 else f"{var} {op} {k}u"


def _check(node, x, w, y, group: int, transpose: bool) -> None:
    """What the spec requires of the shapes and attributes and shape inference does not
    check; a kernel built on anything else would read past the weights."""
    r, fail = len(x.shape) - 2, None
    attr = lambda name: node.attrs.get(name) or []
    c_in, c_out = x.shape[1] if r >= 0 else 0, y.shape[1] if len(y.shape) > 1 else 0
    w_in, w_out = (w.shape[0], w.shape[1] * group) if transpose and len(w.shape) > 1 else \
        (w.shape[1] * group, w.shape[0]) if len(w.shape) > 1 else (0, 0)
    if r < 1 or len(w.shape) != r + 2 or len(y.shape) != r + 2:
        fail = f"input {list(x.shape)}, weights {list(w.shape)}: ranks do not fit"
    elif group < 1 or c_in % group or c_out % group:
        fail = f"group={group} does not divide the {c_in} input and {c_out} output channels"
    elif w_in != c_in or w_out != c_out:
        fail = (f"weights {list(w.shape)} with group={group} need {w_in} input and {w_out} "
                f"output channels, the node has {c_in} and {c_out}")
    elif attr("kernel_shape") and list(attr("kernel_shape")) != list(w.shape[2:]):
        fail = f"kernel_shape={attr('kernel_shape')} but the weights are {list(w.shape)}"
    elif any(len(attr(a)) not in (0, n) for a, n in (("strides", r), ("dilations", r),
                                                     ("pads", 2 * r), ("output_padding", r))):
        fail = f"strides, dilations, pads or output_padding do not fit {r} spatial axes"
    elif any(o >= max(st, dl) for o, st, dl in zip(attr("output_padding"),
                                                 attr("strides") or [1] * r,
                                                 attr("dilations") or [1] * r)):
        fail = f"output_padding={attr('output_padding')} must be less than the stride or dilation"
    if fail:
        raise CompileError(fail, node, reason=f"{node.op_type}: shapes")


def _conv(node, ctx, ix: int, iw: int, acc: Accum, transpose: bool = False) -> Kernel:
    x, w, y = inp(node, ctx, ix), inp(node, ctx, iw), out(node, ctx)
    group, k = node.attrs.get("group", 1), list(w.shape[2:])
    _check(node, x, w, y, group, transpose)
    if not 1 <= len(k) <= 3:
        raise CompileError(f"{len(k)}-D convolution is not supported", node,
                           reason=f"{node.op_type}: {len(k)}-D")
    s, d, pb = _geometry(node, x, y, k, transpose)
    p = dict(N=x.shape[0], CI=x.shape[1], CO=y.shape[1], G=group, cig=x.shape[1] // group,
             cog=y.shape[1] // group, I=x.shape[2:], O=y.shape[2:], k=k, s=s, d=d, pb=pb,
             isz=prod(x.shape[2:]), osz=prod(y.shape[2:]), ksz=prod(k), x=ix, w=iw, acc=acc,
             y_bits=y.dtype.bits)
    depthwise = group > 1 and p["cig"] == 1
    if y.dtype == DType.FLOAT and node.op_type == "Conv" and not depthwise:
        return _as_gemm(p, bias=inp(node, ctx, 2) is not None)
    return _direct(p, transpose)


def _direct(p: dict, transpose: bool) -> Kernel:
    """The direct loop of conv.c.j2 (loop variable names are the template's)."""
    r, cig, cog = range(len(p["k"])), p["cig"], p["cog"]
    xs, ks = strides(p["I"]), strides(p["k"])
    ic = f"{_scaled('g', cig)} + c" if p["G"] > 1 else "c"
    p.update(transpose=transpose, ic=ic, group_of_oc=_scaled("oc", cog, "/"),
             y_idx=_idx("yc", zip([f"o{a}" for a in r], strides(p["O"]))),
             w_idx=_idx("wc", [(f"(size_t)t{a}", ks[a]) for a in r]))
    if transpose:   # W is (C_in, C_out / group, kernel...)
        p["w_chan"] = ic if cog == 1 else \
            f"({ic}) * {cog}u + {f'oc % {cog}u' if p['G'] > 1 else 'oc'}"
        coords = [f"(size_t)(q{a} / {p['s'][a]})" if p["s"][a] > 1 else f"(size_t)q{a}"
                  for a in r]
    else:
        p["w_chan"] = f"{_scaled('oc', cig)} + c"
        d = p["d"]
        coords = [f"(size_t)(b{a} + t{a}{f' * {d[a]}' if d[a] > 1 else ''})" for a in r]
    p["x_idx"] = _idx("xc", zip(coords, xs))
    # a depthwise conv whose output plane matches its input plane can run in place: each
    # output channel reads only its own input channel, so it is computed into a one-plane
    # scratch and copied over that channel once it is done (TinyEngine's trick)
    p["plane"] = not transpose and p["G"] == p["CI"] == p["CO"] and p["I"] == p["O"] \
        and p["y_bits"] >= 8
    if p["plane"]:
        p["plane_idx"] = _idx("0", zip([f"o{a}" for a in r], strides(p["O"])))
        return Kernel("ops/conv.c.j2", p, scratch=p["osz"] * p["y_bits"] // 8, inplace=[p["x"]])
    return Kernel("ops/conv.c.j2", p)


def _as_gemm(p: dict, bias: bool) -> Kernel:
    """conv_gemm.c.j2: im2col tiles of at most _TILE_BYTES, none for a pointwise conv."""
    r, kk = range(len(p["k"])), p["cig"] * p["ksz"]
    pointwise = p["ksz"] == 1 and p["s"] == [1] * len(r) and p["I"] == p["O"] and not any(p["pb"])
    tile = 0 if pointwise else min(p["osz"], max(1, _TILE_BYTES // (kk * 4)))
    # a pointwise conv with as many outputs as inputs can run in place, a tile of
    # positions at a time: the tile's outputs go to scratch and then over the tile's
    # inputs, which no other position reads
    p["band"] = pointwise and p["G"] == 1 and p["CI"] == p["CO"] and \
        min(p["osz"], max(1, _TILE_BYTES // (p["CO"] * 4)))
    if p["band"]:
        p.update(T=0, KK=kk, bias=bias)
        return Kernel("ops/conv_gemm.c.j2", p, scratch=p["band"] * p["CO"] * 4,
                      inplace=[p["x"]])
    ys = strides(p["O"])
    coord = ["pj" if ys[a] == 1 else f"pj / {ys[a]}u" for a in r]   # of flat position pj
    p.update(T=tile, KK=kk, bias=bias,
             coord=[e if a == 0 else f"{e} % {p['O'][a]}u" for a, e in enumerate(coord)],
             x_col=_idx(f"c * {p['isz']}u", [(f"i{a}", st) for a, st in zip(r, strides(p["I"]))]),
             inside=" && ".join(f"i{a} < {p['I'][a]}u" for a in r))
    return Kernel("ops/conv_gemm.c.j2", p, scratch=tile * kk * 4)


def _bias(node, ctx, i: int) -> str:
    b, channels = inp(node, ctx, i), out(node, ctx).shape[1]
    if b is not None and b.shape != (channels,):
        raise CompileError(f"bias '{b.name}' has shape {list(b.shape)}, the output has "
                           f"{channels} channels", node, reason=f"{node.op_type}: bias shape")
    return qparam(node, ctx, i, "oc") if b is not None else "0"


@op("Conv")
def lower_conv(node, ctx):
    acc = plain_accum(out(node, ctx))
    acc.init = _bias(node, ctx, 2)
    return _conv(node, ctx, 0, 1, acc)


@op("ConvTranspose")
def lower_conv_transpose(node, ctx):
    acc = plain_accum(out(node, ctx))
    acc.init = _bias(node, ctx, 2)
    return _conv(node, ctx, 0, 1, acc, transpose=True)


def _per_channel(node, ctx, i: int, per_channel: bool = True) -> str:
    """Element of a per-tensor (or, if allowed, per-output-channel) quantization input."""
    v, channels = inp(node, ctx, i), out(node, ctx).shape[1]
    if v is not None and v.size != 1 and not (per_channel and v.size == channels):
        kind = f"one value or {channels}" if per_channel else "one value"
        raise CompileError(f"'{v.name}' has {v.size} values, expected {kind}", node,
                           reason=f"{node.op_type}: quantization parameter shape")
    return qparam(node, ctx, i, "0" if v is None or v.size == 1 else "oc")


@op("ConvInteger", since=10)
def lower_conv_integer(node, ctx):
    za = _per_channel(node, ctx, 2, False) if inp(node, ctx, 2) is not None else ""
    zb = _per_channel(node, ctx, 3) if inp(node, ctx, 3) is not None else ""
    return _conv(node, ctx, 0, 1, Accum("int32_t", za, zb))


@op("QLinearConv", since=10)
def lower_qlinear_conv(node, ctx):
    tensor = lambda i: _per_channel(node, ctx, i, False)
    scale = f"({tensor(1)} * {_per_channel(node, ctx, 4)}) / {tensor(6)}"
    acc = Accum("int32_t", tensor(2), _per_channel(node, ctx, 5),
                requant(node, out(node, ctx), scale, tensor(7)), init=_bias(node, ctx, 8))
    return _conv(node, ctx, 0, 3, acc)
