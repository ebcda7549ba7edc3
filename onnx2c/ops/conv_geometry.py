"""The sizes of one Conv or ConvTranspose: what the C kernels' o2c_conv_shape holds."""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..errors import CompileError
from ._util import inp, out, strides


def _pads(node, x_shape, y_shape, k, s, d, transpose: bool) -> list[int]:
    """Leading pads per spatial axis, auto_pad resolved."""
    r = len(k)
    begin = list(node.attrs.get("pads") or [0] * (2 * r))[:r]
    auto = node.attrs.get("auto_pad", "NOTSET")
    if auto == "VALID":
        return [0] * r
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        extra = node.attrs.get("output_padding") or [0] * r
        for a, (i, o) in enumerate(zip(x_shape[2:], y_shape[2:])):
            span = (k[a] - 1) * d[a] + 1
            total = s[a] * (i - 1) + extra[a] + span - o if transpose else \
                max(0, (o - 1) * s[a] + span - i)
            begin[a] = total // 2 if auto == "SAME_UPPER" else total - total // 2
    return begin


def check_shapes(node, x, w, y, group: int, transpose: bool) -> None:
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


@dataclass(frozen=True)
class ConvGeometry:
    """Spatial tuples have the node's rank (1 to 3); the C struct pads them to 3-D."""
    batch: int
    groups: int
    in_c: int
    out_c: int
    in_size: tuple[int, ...]
    out_size: tuple[int, ...]
    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    pads: tuple[int, ...]           # leading

    @property
    def rank(self) -> int:
        return len(self.kernel)

    @property
    def cig(self) -> int:
        return self.in_c // self.groups

    @property
    def cog(self) -> int:
        return self.out_c // self.groups

    @property
    def taps(self) -> int:
        return prod(self.kernel)

    @property
    def in_plane(self) -> int:
        return prod(self.in_size)

    @property
    def out_plane(self) -> int:
        return prod(self.out_size)

    @property
    def depthwise(self) -> bool:
        return self.groups > 1 and self.cig == 1

    @property
    def pointwise(self) -> bool:
        """A 1x1 stride-1 unpadded convolution: a GEMM on the image itself."""
        ones = (1,) * self.rank
        return self.kernel == ones and self.strides == ones and not any(self.pads) and \
            self.in_size == self.out_size

    @property
    def in_strides(self) -> tuple[int, ...]:
        """Element strides of the spatial axes of one input channel (likewise below)."""
        return tuple(strides(self.in_size))

    @property
    def out_strides(self) -> tuple[int, ...]:
        return tuple(strides(self.out_size))

    @property
    def k_strides(self) -> tuple[int, ...]:
        return tuple(strides(self.kernel))

    def padded3(self, name: str, fill: int) -> tuple[int, int, int]:
        """Attribute `name` as (depth, height, width), missing leading axes set to fill."""
        v = tuple(getattr(self, name))
        return (fill,) * (3 - len(v)) + v


def geometry(node, ctx, ix: int, iw: int, transpose: bool = False) -> ConvGeometry:
    x, w, y = inp(node, ctx, ix), inp(node, ctx, iw), out(node, ctx)
    check_shapes(node, x, w, y, node.attrs.get("group", 1), transpose)
    k = list(w.shape[2:])
    if not 1 <= len(k) <= 3:
        raise CompileError(f"{len(k)}-D convolution is not supported", node,
                           reason=f"{node.op_type}: {len(k)}-D")
    s = list(node.attrs.get("strides") or [1] * len(k))
    d = list(node.attrs.get("dilations") or [1] * len(k))
    return ConvGeometry(x.shape[0], node.attrs.get("group", 1), x.shape[1], y.shape[1],
                        tuple(x.shape[2:]), tuple(y.shape[2:]), tuple(k), tuple(s), tuple(d),
                        tuple(_pads(node, x.shape, y.shape, k, s, d, transpose)))
