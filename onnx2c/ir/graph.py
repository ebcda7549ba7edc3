"""Values, nodes and graphs. Shapes are always fully static tuples of ints: a value whose
size depends on run-time data (NonZero, Unique, ...) is `bounded`, its shape the capacity."""
from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import Any

import numpy as np

from .dtypes import DType


@dataclass
class Value:
    name: str
    dtype: DType
    shape: tuple[int, ...]
    data: np.ndarray | None = None      # set for constants (initializers, folded values)
    # the actual dims are only known at run time and never exceed `shape`; the kernel that
    # writes the value packs its elements row-major at the front and reports the dims
    bounded: bool = False
    # an 8-bit graph input or output of a quantized model (compile --quantized-io):
    # (scale, zero point), the real value being scale * (q - zero point)
    quant: tuple[float, int] | None = None

    @property
    def size(self) -> int:
        return prod(self.shape)

    @property
    def nbytes(self) -> int:
        return self.dtype.nbytes(self.size)

    @property
    def is_const(self) -> bool:
        return self.data is not None


@dataclass
class Node:
    name: str
    op_type: str
    domain: str
    version: int                         # opset version of the node's domain
    inputs: list[str]                    # '' marks an omitted optional input
    outputs: list[str]
    attrs: dict[str, Any] = field(default_factory=dict)   # schema defaults filled in

    def __str__(self) -> str:
        return f"node '{self.name}' ({self.op_type})"


@dataclass
class Graph:
    name: str
    inputs: list[str]
    outputs: list[str]
    values: dict[str, Value]
    nodes: list[Node]
    opsets: dict[str, int]
    # class labels of a graph output that was a ZipMap's maps (frontend/maps.py): the
    # output holds the probabilities, one column per label
    labels: dict[str, np.ndarray] = field(default_factory=dict)

    def producers(self) -> dict[str, Node]:
        return {o: n for n in self.nodes for o in n.outputs if o}

    def consumers(self) -> dict[str, list[Node]]:
        out: dict[str, list[Node]] = {}
        for n in self.nodes:
            for i in n.inputs:
                if i:
                    out.setdefault(i, []).append(n)
        return out

    def inputs_upstream(self, name: str) -> list[str]:
        """The graph inputs value `name` depends on, sorted."""
        producers, seen, stack, found = self.producers(), set(), [name], []
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            if n in self.inputs:
                found.append(n)
            elif n in producers:
                stack.extend(i for i in producers[n].inputs if i)
        return sorted(found)
