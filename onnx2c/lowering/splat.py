"""Large splat constants (every element equal) become a fill in the workspace.

Constant folding turns ConstantOfShape into full arrays, so a model whose weights are
ConstantOfShape (the ONNX model zoo's light tests) would print hundreds of megabytes of
one repeated literal, and keep as much in flash. A splat of MIN_BYTES or more is instead
produced again by a ConstantOfShape step right before its first reader: the C holds one
value, flash nothing, and the memory planner treats the tensor as an ordinary
intermediate, live from the fill to its last reader (RAM for flash; a zero fill is one
memset). Smaller splats stay `static const` arrays: they cost flash but no RAM, the
scarcer of the two on a microcontroller, they are more likely a real zero bias or unit
scale than a placeholder weight, and their literal is short (`{0}` when zero).

This runs on the lowered steps because only a kernel knows whether it reads a constant at
run time (a pointer parameter) or only at compile time (Reshape's shape, Pad's pads): the
latter must keep its data.
"""
from __future__ import annotations

import numpy as np

from ..ir import DType, Graph, Node, Value
from ..ir.optable import lookup
from .context import LoweringContext

MIN_BYTES = 64 << 10


def is_splat(arr: np.ndarray) -> bool:
    """Every element has the same bits (so NaN splats count, and 0.0 differs from -0.0)."""
    flat = np.ascontiguousarray(arr).reshape(-1)
    if flat.size == 0 or flat.dtype.kind in "OSU" or flat.dtype.itemsize not in (1, 2, 4, 8):
        return False
    bits = flat.view(np.dtype(f"u{flat.itemsize}"))
    head = bits[:64]
    return bool((head == bits[0]).all() and (bits == bits[0]).all())


def _fill(g: Graph, v: Value) -> Node:
    shape = Value(f"{v.name}:shape", DType.INT64, (len(v.shape),),
                  np.array(v.shape, dtype=np.int64))
    g.values[shape.name] = shape
    value = np.ascontiguousarray(v.data).reshape(-1)[:1].copy()
    return Node(f"fill {v.name}", "ConstantOfShape", "", max(9, g.opsets.get("", 9)),
                [shape.name], [v.name], {"value": value})


def materialise_splats(ctx: LoweringContext, steps: list) -> list:
    """steps with a fill inserted before the first run-time reader of each large splat
    constant (which stops being a constant); the graph's nodes get the same fills."""
    g = ctx.graph
    first: dict[str, int] = {}
    for k, (node, kernel) in enumerate(steps):
        idxs = kernel.inputs if kernel.inputs is not None else range(len(node.inputs))
        for i in idxs:
            if node.inputs[i]:
                first.setdefault(node.inputs[i], k)
    for o in g.outputs:
        first.setdefault(o, len(steps))
    fills: dict[int, list] = {}
    for name, k in first.items():
        v = g.values[name]
        if v.is_const and v.nbytes >= MIN_BYTES and is_splat(v.data):
            node = _fill(g, v)
            fills.setdefault(k, []).append((node, lookup(node)(node, ctx)))
            v.data = None
    if not fills:
        return steps
    out = []
    for k in range(len(steps) + 1):
        out.extend(fills.get(k, []))
        if k < len(steps):
            out.append(steps[k])
    g.nodes = [n for n, _ in out]
    return out
