"""Helpers every operator module uses: inputs, constant inputs, axes, broadcast loops."""
from __future__ import annotations

import numpy as np

from ..errors import CompileError, NeedsConstant
from ..ir import Graph, Node, Value


def inp(node: Node, g: Graph, i: int) -> Value | None:
    """Input i of node, or None if it is omitted."""
    if i >= len(node.inputs) or not node.inputs[i]:
        return None
    return g.values[node.inputs[i]]


def out(node: Node, g: Graph, i: int = 0) -> Value:
    return g.values[node.outputs[i]]


def _graph_inputs_upstream(g: Graph, name: str) -> list[str]:
    producers, seen, stack, found = g.producers(), set(), [name], []
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if n in g.inputs:
            found.append(n)
        elif n in producers:
            stack.extend(i for i in producers[n].inputs if i)
    return sorted(found)


def const(node: Node, g: Graph, i: int, what: str = "a shape") -> np.ndarray | None:
    """The compile-time value of input i (None when omitted); raises if it is run-time data."""
    v = inp(node, g, i)
    if v is None:
        return None
    if v.data is None:
        ups = _graph_inputs_upstream(g, v.name)
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
