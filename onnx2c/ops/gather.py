"""Gather, GatherElements, GatherND, ScatterElements (and old Scatter), ScatterND.

All six are one loop nest: for each position, an offset into the indexed tensor is built
from run-time indices (each bounds-checked, negatives counting from the end), then a
contiguous run is copied out of it (gather) or combined into it (scatter)."""
from __future__ import annotations

from dataclasses import dataclass
from math import prod

from ..errors import CompileError
from ..ir import DType
from ._strided import Affine, Moves, packed_bits
from ._util import inp, norm_axis, out, strides
from ..ir.optable import Kernel, op


@dataclass(frozen=True)
class IndexTerm:
    """A run-time index read at `at` in in1, checked against `bound`, moving `stride`
    elements in the indexed tensor."""
    at: Affine
    bound: int
    stride: int


@dataclass(frozen=True)
class GatherScatter:
    """templates/ops/gather.c.j2: loops over `dims`; `flat` is the offset on the
    contiguous side, `base` plus the index terms the offset in the indexed tensor, where
    `run` elements are copied (gather) or combined by `reduce` (scatter; a C expression
    of the old value a and the update b, None: replace)."""
    dims: list[int]
    flat: Affine                # over the loops i*
    base: Affine
    run: int
    scatter: bool
    reduce: str | None
    index: list[IndexTerm]
    bits: int                   # element bits of a packed type (0: whole bytes)


def _kernel(x, dims, flat, base, index, run, scatter=False, reduce=None):
    """Loops over dims; flat and base are (base, strides) offset forms of the contiguous
    side and of the indexed tensor, index lists (offset form into in1, bound, stride in
    the indexed tensor); reduce combines a scatter's old value a with its update b."""
    if 0 in dims:       # no index at all: a scatter only copies its data
        m = Moves(x.dtype)
        if scatter:
            m.move("out0", "in0", [x.size], [1], [1])
        return m.kernel()
    keep = [k for k, d in enumerate(dims) if d != 1]
    expr = lambda form: Affine(form[0], [form[1][k] for k in keep])
    return Kernel("ops/gather.c.j2", GatherScatter(
        [dims[k] for k in keep], expr(flat), expr(base), run, scatter, reduce,
        [IndexTerm(expr(at), bound, stride) for at, bound, stride in index],
        packed_bits(x.dtype)), inplace=[0] if scatter else [])


def _axis_form(node, data, idx):
    """Element-wise gather/scatter along `axis`: position i of idx reads data at i with
    coordinate `axis` replaced by the index."""
    axis = norm_axis(node.attrs.get("axis", 0), len(data.shape), node)
    ds = strides(data.shape)
    flat = (0, strides(idx.shape))
    return flat, (0, [0 if k == axis else s for k, s in enumerate(ds)]), \
        [(flat, data.shape[axis], ds[axis])]


@op("Gather", strings=True)
def lower_gather(node, ctx):
    data, idx = inp(node, ctx, 0), inp(node, ctx, 1)
    axis = norm_axis(node.attrs.get("axis", 0), len(data.shape), node)
    # a string element is a cell of chars (README: the C ABI), moved like `cell` bytes
    n, inner = data.shape[axis], prod(data.shape[axis + 1:]) * data.dtype.nbytes(1) \
        if data.dtype == DType.STRING else prod(data.shape[axis + 1:])
    dims = [prod(data.shape[:axis]), idx.size]
    return _kernel(data, dims, (0, [idx.size * inner, inner]), (0, [n * inner, 0]),
                   [((0, [0, 1]), n, inner)], inner)


@op("GatherElements", since=11)
def lower_gather_elements(node, ctx):
    data, idx = inp(node, ctx, 0), inp(node, ctx, 1)
    return _kernel(data, list(idx.shape), *_axis_form(node, data, idx), 1)


def _nd_form(node, data, idx, batch_dims=0):
    """GatherND/ScatterND: each last-axis tuple of idx picks a slice of data (per batch)."""
    b, q = batch_dims, idx.shape[-1]
    if q > len(data.shape) - b:
        raise CompileError(f"index tuples of length {q} exceed the data rank", node,
                           reason=f"{node.op_type}: index tuple too long")
    ds, run = strides(data.shape), prod(data.shape[b + q:])
    dims = [prod(idx.shape[:b]), prod(idx.shape[b:-1])]
    index = [((k, [dims[1] * q, q]), data.shape[b + k], ds[b + k]) for k in range(q)]
    return dims, (0, [dims[1] * run, run]), (0, [prod(data.shape[b:]), 0]), index, run


@op("GatherND", since=11)
def lower_gather_nd(node, ctx):
    data, idx = inp(node, ctx, 0), inp(node, ctx, 1)
    return _kernel(data, *_nd_form(node, data, idx, node.attrs.get("batch_dims", 0)))


def _reduction(node, y) -> str | None:
    """C expression combining the current value a with the update b (None: plain store)."""
    how = node.attrs.get("reduction", "none")
    if how == "none":
        return None
    if how in ("max", "min"):
        return f"b {'>' if how == 'max' else '<'} a ? b : a"
    if how not in ("add", "mul"):
        raise CompileError(f"unknown reduction '{how}'", node, reason=f"{node.op_type}: {how}")
    sym = "+" if how == "add" else "*"
    if y.dtype.is_int and y.dtype.is_signed and y.dtype.bits >= 32:
        # wrap like onnxruntime instead of signed-overflow UB
        u = "uint64_t" if y.dtype.bits == 64 else "uint32_t"
        return f"({y.dtype.compute})(({u})a {sym} ({u})b)"
    return f"a {sym} b"


@op("ScatterElements", "Scatter", since=9)
def lower_scatter_elements(node, ctx):
    data, idx, y = inp(node, ctx, 0), inp(node, ctx, 1), out(node, ctx)
    return _kernel(data, list(idx.shape), *_axis_form(node, data, idx), 1, scatter=True,
                   reduce=_reduction(node, y))


@op("ScatterND", since=11)
def lower_scatter_nd(node, ctx):
    data, idx, y = inp(node, ctx, 0), inp(node, ctx, 1), out(node, ctx)
    return _kernel(data, *_nd_form(node, data, idx), scatter=True, reduce=_reduction(node, y))
