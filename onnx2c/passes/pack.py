"""Constant operands in the layout their kernel streams (Kernel.packed).

A lowering that wants a weight packed (ops/packing.py) returns the packed array; this
step makes it a constant of its own and points the node at it, so that everything after
(splat fills, the weights file, flash accounting) sees the packed bytes and never the
original, which stays behind unreferenced. Two nodes asking for the same packing of the
same weight share one array.
"""
from __future__ import annotations

import numpy as np

from ..ir import Graph, Value


def install_packed(g: Graph, steps: list) -> list:
    """steps, each node reading its packed constants; g gains them as values."""
    for node, kernel in steps:
        for i, arr in sorted(kernel.packed.items()):
            src = g.values[node.inputs[i]]
            name, k = f"{src.name}:packed", 1
            while name in g.values and not np.array_equal(g.values[name].data, arr):
                k += 1
                name = f"{src.name}:packed{k}"
            if name not in g.values:
                g.values[name] = Value(name, src.dtype, tuple(arr.shape), arr)
            node.inputs[i] = name
    return steps
