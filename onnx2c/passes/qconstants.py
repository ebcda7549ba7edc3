"""The constants passes/qprepare.py and passes/qlstm.py add for the integer kernels."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Graph, Node, Value
from ..quant import DOMAIN
from ..quant.packing import fixed_multipliers, fold_zero_point


def const(g: Graph, node: Node, i: int, default=None):
    """Input i's constant value; default if omitted; None if it is run-time data."""
    if i >= len(node.inputs) or not node.inputs[i]:
        return default
    return g.values[node.inputs[i]].data


def scalar(arr) -> bool:
    return arr is not None and arr.size == 1


class Builder:
    """Adds the prepared constants of one node to the graph."""

    def __init__(self, g: Graph, node: Node, requant: str):
        self.g, self.node, self.requant = g, node, requant

    def const(self, tag: str, arr: np.ndarray, dtype: DType) -> str:
        name = f"{self.node.name}:{tag}"
        while name in self.g.values:
            name += "_"
        self.g.values[name] = Value(name, dtype, tuple(arr.shape), arr)
        return name

    def scale(self, scales: np.ndarray) -> str:
        """The per-row requantization scales, in the form --requant asks for."""
        scales = np.asarray(scales, np.float32).reshape(-1)
        if self.requant == "fixed":
            return self.const("multiplier", fixed_multipliers(scales), DType.INT32)
        return self.const("scale", scales, DType.FLOAT)

    def bias(self, bias, weights: np.ndarray, zero: int) -> str:
        """The int32 bias per row of weights with the data's zero point folded in."""
        if bias is None and zero == 0:
            return ""
        return self.const("bias", fold_zero_point(bias, weights, zero), DType.INT32)

    def replace(self, op: str, inputs: list[str], attrs: dict) -> None:
        new = Node(self.node.name, op, DOMAIN, 1, inputs, list(self.node.outputs), attrs)
        self.g.nodes[self.g.nodes.index(self.node)] = new
