"""Fold a Transpose that swaps the last two axes into the float32 MatMul that reads it.

Attention's Q K^T is the common case: K^T is a run-time Transpose whose only job is to
feed a MatMul, and the GEMM reads a transposed operand through its strides (transA /
transB of the compiler's MatMul) as cheaply as a plain one. Folding it saves the copy and
its buffer. The Transpose stays if something else reads it (dead-code removal drops it
otherwise). Constant operands never get here: the frontend folds their Transpose.
"""
from __future__ import annotations

from ..ir import DType, Graph, Node
from .fuse_epilogue import DOMAIN, fused_form


def _swaps_last_two(g: Graph, node: Node) -> bool:
    rank = len(g.values[node.inputs[0]].shape)
    perm = list(node.attrs.get("perm") or range(rank - 1, -1, -1))
    return rank >= 2 and perm == list(range(rank - 2)) + [rank - 1, rank - 2]


def fold_transposes(g: Graph) -> Graph:
    """g with each last-two-axes Transpose feeding a float32 MatMul read in place."""
    producers = g.producers()
    for k, node in enumerate(g.nodes):
        if node.op_type != "MatMul" or node.domain not in ("", DOMAIN) or \
                g.values[node.outputs[0]].dtype != DType.FLOAT or \
                node.attrs.get("transA") or node.attrs.get("transB"):
            continue
        inputs, flags = list(node.inputs), [0, 0]
        for i in (0, 1):
            source = producers.get(inputs[i])
            if source is not None and source.op_type == "Transpose" and \
                    source.domain in ("", "ai.onnx") and _swaps_last_two(g, source) and \
                    not g.values[source.inputs[0]].is_const:
                inputs[i], flags[i] = source.inputs[0], 1
        if flags != [0, 0]:
            fused = fused_form(node)
            fused.inputs = inputs[:2] + fused.inputs[2:]
            fused.attrs.update(transA=flags[0], transB=flags[1])
            g.nodes[k] = fused
    return g
