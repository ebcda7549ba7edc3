"""The shared lowering of every elementwise op: broadcasting loops around C expressions."""
from __future__ import annotations

from dataclasses import dataclass

from ..ir import Node
from ..lowering.context import LoweringContext
from ._util import broadcast_loops, inp, out, strides
from ..ir.optable import Kernel


@dataclass(frozen=True)
class Elementwise:
    """Parameters of templates/ops/elementwise.c.j2.

    `steps` are C expressions over the loaded inputs a0, a1, ... and `r`: r takes each
    one's value in turn, so a variadic op is a fold (r = a0, then r = max(r, a1), ...).
    fuse_chains fills `stages`, `operands` and `input_strides` when it fuses producers."""
    dims: list[int]                  # the (merged) loop extents
    strides: list[list[int] | None]  # element strides of input j per loop (None: not read)
    out_strides: list[int]
    steps: list[str]
    stages: list | None = None       # ops fused into this loop (templates/ops/_stages.j2)
    operands: list | None = None     # where each operand of the last stage comes from
    input_strides: list[list[int]] | None = None


def elementwise(node: Node, ctx: LoweringContext, steps: list[str] | str, inputs: list[int] | None = None,
                shapes: dict[int, tuple] | None = None) -> Kernel:
    """Kernel computing r = `steps` (one C expression, or a list r takes in turn) from
    a0, a1, ... over broadcast inputs.

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
    per_input = [None] * len(node.inputs)
    for i, s in zip(idxs, strs):
        per_input[i] = s
    params = Elementwise(dims, per_input, strides(dims),
                         [steps] if isinstance(steps, str) else list(steps))
    # element o of an input with the output's shape is read before element o is written
    same = [i for i in idxs if ctx.graph.values[node.inputs[i]].shape == y.shape
            and ctx.graph.values[node.inputs[i]].dtype.bits == y.dtype.bits and not y.dtype.is_packed]
    return Kernel("ops/elementwise.c.j2", params, inputs=idxs, inplace=same)
