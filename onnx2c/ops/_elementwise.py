"""The shared lowering of every elementwise op: broadcasting loops around a C body."""
from __future__ import annotations

from ..ir import Node
from ..lowering.context import LoweringContext
from ._util import broadcast_loops, inp, out, strides
from ..ir.optable import Kernel


def offset_expr(strs: list[int], var: str = "i") -> str:
    terms = [f"{var}{k}" if s == 1 else f"{var}{k} * {s}u" for k, s in enumerate(strs) if s]
    return " + ".join(terms) or "0"


def elementwise(node: Node, ctx: LoweringContext, body: list[str] | str, inputs: list[int] | None = None,
                shapes: dict[int, tuple] | None = None) -> Kernel:
    """Kernel for `body` (C statements assigning r from a0, a1, ...) over broadcast inputs.

    `inputs` selects the node inputs that take part (default: all present ones); the
    loaded values are named by their position in the node, so a2 is always input 2.
    `shapes` overrides how an input broadcasts (for old opsets' axis-1 broadcasting).
    """
    idxs = inputs if inputs is not None else [i for i in range(len(node.inputs))
                                              if inp(node, ctx, i) is not None]
    y = out(node, ctx)
    shapes = shapes or {}
    dims, strs = broadcast_loops(y.shape, [shapes.get(i, ctx.graph.values[node.inputs[i]].shape)
                                           for i in idxs])
    offsets = [None] * len(node.inputs)
    for i, s in zip(idxs, strs):
        offsets[i] = offset_expr(s)
    params = dict(dims=dims, offsets=offsets, out_offset=offset_expr(strides(dims)),
                  body=[body] if isinstance(body, str) else body)
    # element o of an input with the output's shape is read before element o is written
    same = [i for i in idxs if ctx.graph.values[node.inputs[i]].shape == y.shape
            and ctx.graph.values[node.inputs[i]].dtype.bits == y.dtype.bits and not y.dtype.is_packed]
    return Kernel("ops/elementwise.c.j2", params, inputs=idxs, inplace=same)
