"""Ops that only reinterpret the shape: zero-copy aliases of their input."""
from __future__ import annotations

from .registry import Kernel, op


@op("Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity")
def lower_view(node, g):
    # shapes come from shape inference; the shape/axes inputs are not read at run time
    return Kernel("ops/copy.c.j2", alias=True, inputs=[0])
