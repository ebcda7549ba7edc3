"""Q/DQ groups of a graph (passes/qdq.py): which node makes and which reads each value,
and when a QuantizeLinear and a DequantizeLinear agree."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Graph, Node, Value


def is_q(node: Node) -> bool:
    return node.op_type == "QuantizeLinear" and node.domain in ("", "ai.onnx", "com.microsoft")


def is_dq(node: Node) -> bool:
    return node.op_type == "DequantizeLinear" and node.domain in ("", "ai.onnx",
                                                                   "com.microsoft")


class Groups:
    """The graph seen as Q/DQ groups: who makes and who reads each value."""

    def __init__(self, g: Graph):
        self.g = g
        self.producer = g.producers()
        self.readers = g.consumers()

    def dq_of(self, name: str) -> Node | None:
        node = self.producer.get(name)
        return node if node is not None and is_dq(node) else None

    def only_q_after(self, node: Node) -> Node | None:
        """The Q node that is the only reader of node's only output (not a graph output)."""
        out = node.outputs[0] if len(node.outputs) == 1 else ""
        readers = self.readers.get(out, [])
        if not out or out in self.g.outputs or len(readers) != 1 or not is_q(readers[0]):
            return None
        return readers[0]

    def param(self, node: Node, i: int) -> Value | None:
        return self.g.values[node.inputs[i]] if i < len(node.inputs) and node.inputs[i] \
            else None

    def int_type(self, dq_or_q: Node) -> DType:
        """The integer type of a DQ's input or a Q's output."""
        name = dq_or_q.inputs[0] if is_dq(dq_or_q) else dq_or_q.outputs[0]
        return self.g.values[name].dtype


def _scalar(v: Value | None):
    if v is None or v.data is None or v.data.size != 1:
        return None
    return v.data.reshape(-1)[0]


def same_params(groups: Groups, q: Node, dq: Node) -> bool:
    """Q and DQ quantize alike: constant scalar scales with equal bits, equal zero points
    (absent counts as 0) and the same integer type (onnxruntime's IsQDQPairSupported)."""
    qs, ds = _scalar(groups.param(q, 1)), _scalar(groups.param(dq, 1))
    if qs is None or ds is None or np.float32(qs).tobytes() != np.float32(ds).tobytes():
        return False
    qz, dz = groups.param(q, 2), groups.param(dq, 2)
    qz_v = 0 if qz is None else _scalar(qz)
    dz_v = 0 if dz is None else _scalar(dz)
    return qz_v is not None and dz_v is not None and int(qz_v) == int(dz_v) and \
        groups.int_type(q) == groups.int_type(dq)
