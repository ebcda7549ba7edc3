"""Unique: the distinct elements (or slices along an axis) of a tensor, sorted or in
order of first occurrence, with their first indices, inverse indices and counts.

The number of distinct slices is known only at run time; every output but
inverse_indices is bounded by the slice count."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import CompileError
from ._strided import packed_bits
from ._util import axis_split, inp, norm_axis
from ..ir.optable import Bound, Kernel, capacity, op


def _layout(node, x):
    """(a, outer, n, inner): the axis, and x as outer x n x inner around it; without an
    axis x is flattened, its elements the slices."""
    if node.attrs.get("axis") is None:
        return 0, 1, x.size, 1
    a = norm_axis(node.attrs["axis"], len(x.shape), node)
    return (a, *axis_split(x.shape, a))


@capacity("Unique")
def unique_capacity(node, values):
    x = values[node.inputs[0]]
    a, _, n, _ = _layout(node, x)
    y = [x.size] if node.attrs.get("axis") is None else list(x.shape)
    y[a] = Bound(n)
    return [tuple(y), (Bound(n),), (n,), (Bound(n),)]


@dataclass(frozen=True)
class Unique:
    """templates/ops/unique.c.j2: n slices along `axis` (all elements when flattened), each
    outer x inner elements (`width`); at most `cap` distinct ones fit the outputs."""
    n: int
    outer: int
    inner: int
    width: int
    cap: int
    axis: int
    sorted: int
    bits: int                   # element bits of a packed type (0: whole bytes)
    float: bool


@op("Unique", since=11)
def lower_unique(node, ctx):
    x = inp(node, ctx, 0)
    if x.dtype.info.kind == "string":
        raise CompileError("Unique of strings is not supported", node,
                           reason="Unique: dtype string")
    a, outer, n, inner = _layout(node, x)
    if n and not outer * inner:
        raise CompileError("Unique of empty slices is not supported", node,
                           reason="Unique: empty slices")
    # the distinct count: Y's dim a, indices' and counts' only dim (outputs nobody reads
    # are gone; inverse_indices is not bounded)
    cap = min((ctx.graph.values[o].shape[a if k == 0 else 0] for k, o in enumerate(node.outputs)
               if o and k != 2), default=n)
    return Kernel("ops/unique.c.j2", Unique(
        n, outer, inner, outer * inner, cap, a, node.attrs.get("sorted", 1),
        packed_bits(x.dtype), x.dtype.is_float), scratch=2 * 8 * n)
