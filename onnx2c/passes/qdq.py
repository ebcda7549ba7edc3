"""QDQ lowering: DequantizeLinear -> op -> QuantizeLinear groups to integer operators.

Quantizers write integer models as float graphs with Q/DQ pairs around each op (the QDQ
format). This pass rewrites every group onnxruntime's CPU session fuses into the QOperator
form that session runs (ONNX QLinearConv / QLinearMatMul, com.microsoft QGemm /
QLinearAdd / QLinearSigmoid / ...), with the same grouping rules, so the integer results
are onnxruntime's; passes/qprepare.py then turns those into the kernels' private ops, the
same way for QDQ and QOperator models. Data-movement ops between a DQ and a Q with equal
parameters (Reshape, Transpose, MaxPool, ...) run on the integers directly.

The rules follow onnxruntime's QDQ selectors with int8 allowed (its behaviour on ARM and
with session.qdqisint8allowed=1; on x86 it leaves some int8 convolutions in float).
What stays in float is computed in float like any model; fuse_qdq returns those nodes
with the reason, which `onnx2c inspect` prints. A DequantizeLinear of a constant that a
float op still reads is folded into a float constant (flash), never computed into RAM.
"""
from __future__ import annotations

from ..ir import DType, Graph, Node
from ..quant import DOMAIN
from ..quant.f32 import dequantize
from . import qdq_rules as rules
from .qdq_groups import Groups, is_dq, is_q
from .dce import remove_dead_code

_NO_KERNEL = "onnxruntime fuses no integer kernel for this operator and computes it in float"


def fuse_qdq(g: Graph) -> list[tuple[Node, str]]:
    """Rewrite the graph's Q/DQ groups in place; the float nodes left beside quantized
    tensors, each with why it was not lowered to integers."""
    if not any(is_q(n) or is_dq(n) for n in g.nodes):
        return []
    rules.drop_redundant_clips(g, Groups(g))
    reasons: dict[str, str] = {}
    for node in list(g.nodes):
        if node not in g.nodes or is_q(node) or is_dq(node):
            continue
        why = rules.apply(g, Groups(g), node)
        if why:
            reasons[node.name] = why
    remove_dead_code(g)
    fold_constant_dq(g)
    remove_dead_code(g)
    return _float_nodes(g, reasons)


def fold_constant_dq(g: Graph) -> None:
    """DequantizeLinear of constants becomes a float constant: weights a float op reads
    stay in flash (as onnxruntime's constant folding of DQ does) rather than being
    dequantized into the workspace at run time."""
    for node in list(g.nodes):
        out = g.values[node.outputs[0]] if node.outputs else None
        if is_dq(node) and out.dtype == DType.FLOAT and \
                all(not i or g.values[i].is_const for i in node.inputs):
            x, scale = g.values[node.inputs[0]], g.values[node.inputs[1]]
            zero = g.values[node.inputs[2]] if len(node.inputs) > 2 and node.inputs[2] \
                else None
            if scale.dtype != DType.FLOAT or node.attrs.get("block_size", 0):
                continue
            out.data = dequantize(x.data, scale.data, None if zero is None else zero.data,
                                  node.attrs.get("axis", 1))
            g.nodes.remove(node)


def _float_nodes(g: Graph, reasons: dict[str, str]) -> list[tuple[Node, str]]:
    """Compute nodes that read a dequantized value or feed a QuantizeLinear."""
    groups = Groups(g)
    left = []
    for node in g.nodes:
        if is_q(node) or is_dq(node) or node.domain in ("com.microsoft", DOMAIN) or \
                node.op_type.startswith("QLinear"):
            continue
        near = any(groups.dq_of(i) for i in node.inputs if i) or any(
            is_q(r) for o in node.outputs if o for r in groups.readers.get(o, []))
        if near:
            left.append((node, reasons.get(node.name, _NO_KERNEL)))
    return left
