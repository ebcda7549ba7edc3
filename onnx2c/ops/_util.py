"""Helpers every operator module uses: inputs, constant inputs, axes, broadcast loops."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import CompileError, NeedsConstant
from ..ir import Node, Value
from ..lowering.context import LoweringContext


def inp(node: Node, ctx: LoweringContext, i: int) -> Value | None:
    """Input i of node, or None if it is omitted."""
    if i >= len(node.inputs) or not node.inputs[i]:
        return None
    return ctx.graph.values[node.inputs[i]]


def out(node: Node, ctx: LoweringContext, i: int = 0) -> Value:
    return ctx.graph.values[node.outputs[i]]


def wanted(node: Node, i: int) -> bool:
    """Optional output i is asked for: present and named."""
    return i < len(node.outputs) and bool(node.outputs[i])


def const(node: Node, ctx: LoweringContext, i: int, what: str = "a shape") -> np.ndarray | None:
    """The compile-time value of input i (None when omitted); raises if it is run-time data."""
    v = inp(node, ctx, i)
    if v is None:
        return None
    if v.data is None:
        ups = ctx.graph.inputs_upstream(v.name)
        if ups:
            raise NeedsConstant(ups, node, what)
        raise CompileError(f"input '{v.name}' decides {what} but is computed at run time",
                           node, reason="value-dependent shape")
    return v.data


def norm_axis(axis: int, rank: int, node: Node) -> int:
    if not -rank <= axis < max(rank, 1):
        raise CompileError(f"axis {axis} is out of range for rank {rank}", node,
                           reason="axis out of range")
    return axis + rank if axis < 0 else axis


def strides(shape) -> list[int]:
    s, acc = [], 1
    for d in reversed(shape):
        s.append(acc)
        acc *= d
    return s[::-1]


def broadcast_loops(out_shape, in_shapes) -> tuple[list[int], list[list[int]]]:
    """Loop extents and per-input element strides for a numpy-broadcast elementwise loop.

    Adjacent axes that every input treats alike (all contiguous, or all broadcast) are
    merged, so a same-shape elementwise op becomes one flat loop.
    """
    r = len(out_shape)
    padded = [(1,) * (r - len(s)) + tuple(s) for s in in_shapes]
    in_strides = []
    for s in padded:
        st = strides(s)
        in_strides.append([0 if s[k] == 1 and out_shape[k] != 1 else st[k] for k in range(r)])
    dims, strs = [], [[] for _ in in_shapes]
    for k in range(r):
        if out_shape[k] == 1:
            continue
        if dims and all(strs[j][-1] == in_strides[j][k] * out_shape[k] for j in range(len(padded))):
            dims[-1] *= out_shape[k]
            for j in range(len(padded)):
                strs[j][-1] = in_strides[j][k]
            continue
        dims.append(out_shape[k])
        for j in range(len(padded)):
            strs[j].append(in_strides[j][k])
    return dims, strs


def axis_split(shape, axis: int) -> tuple[int, int, int]:
    """(outer, n, inner): the shape seen as outer x n x inner around `axis`, so element k
    of a lane (o, i) along the axis sits at (o * n + k) * inner + i."""
    outer = int(np.prod(shape[:axis], dtype=np.int64))
    inner = int(np.prod(shape[axis + 1:], dtype=np.int64))
    return outer, int(shape[axis]), inner


@dataclass(frozen=True)
class Lanes:
    """Every lane along an axis of a shape seen as outer x n x inner: the template loops
    i* over `dims`, the (outer, inner) positions that are not 1; a lane starts at
    offset(base_strides, 'i') and its elements are `stride` apart."""
    outer: int
    n: int
    inner: int
    empty: bool

    @property
    def dims(self) -> list[int]:
        return [d for d in (self.outer, self.inner) if d != 1]

    @property
    def stride(self) -> int:
        return self.inner

    @property
    def base_strides(self) -> list[int]:
        return [d for d, extent in ((self.n * self.inner, self.outer), (1, self.inner))
                if extent != 1]


def lane_loops(shape, axis: int) -> Lanes:
    return Lanes(*axis_split(shape, axis), empty=0 in shape)


def consts(node: Node, ctx: LoweringContext, idxs, what: str = "a shape") -> list[np.ndarray | None]:
    """const() of several inputs, naming every graph input to freeze in one error (so
    Slice's starts, ends, axes and steps are frozen together, not one compile at a time)."""
    missing = set()
    for i in idxs:
        v = inp(node, ctx, i)
        if v is not None and v.data is None:
            missing.update(ctx.graph.inputs_upstream(v.name))
    if missing:
        raise NeedsConstant(sorted(missing), node, what)
    return [const(node, ctx, i, what) for i in idxs]


def runtime(node: Node, ctx: LoweringContext, i: int) -> bool:
    """Input i is present and only known at run time (so a kernel reads and checks it)."""
    v = inp(node, ctx, i)
    return v is not None and v.data is None


def c_dims(shape) -> str:
    """A static shape as a C99 compound literal, for the checks of runtime_c/o2c_shapes.h."""
    return "(const int64_t[]){" + (", ".join(str(int(d)) for d in shape) or "0") + "}"


def runtime_equals(name: str, values) -> str:
    """C condition that the run-time integer tensor `name` holds `values` (None entries:
    anything), for a shape input whose value the static shapes already fix; parenthesized,
    so that it can be negated or joined."""
    terms = [f"{name}[{k}] == {int(v)}" for k, v in enumerate(values) if v is not None]
    return f"({' && '.join(terms)})" if terms else "1"


def require_float(node: Node, x: Value) -> None:
    """One clear error for an op computed only on floating-point tensors."""
    if not x.dtype.is_float:
        raise CompileError(f"{node.op_type} of {x.dtype.onnx_name} is not supported", node,
                           reason=f"{node.op_type}: dtype {x.dtype.onnx_name}")
