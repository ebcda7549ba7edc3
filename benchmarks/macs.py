"""Multiply-accumulates of a model: what the per-MAC figures of the benchmarks divide by.

Counted from the IR graph onnx2c's frontend builds (static shapes, constants folded), one
output element's dot product at a time, as the ONNX operator defines it (no Winograd or
Strassen discounts; padding taps count, as every direct kernel does them):

- Conv, ConvInteger, QLinearConv: output elements x (input channels per group x kernel taps)
- ConvTranspose: input elements x (output channels per group x kernel taps)
- MatMul, MatMulInteger, QLinearMatMul, com.microsoft MatMulIntegerToFloat and
  DynamicQuantizeMatMul: output elements x K
- Gemm, com.microsoft QGemm: M x N x K
- RNN, GRU, LSTM, com.microsoft DynamicQuantizeLSTM (the 8-bit LSTM of quantize_dynamic,
  whose W and R are stored transposed, same element counts): time steps x batch x (W + R
  elements): every gate's input and recurrent products, all directions (peepholes and
  biases are not products of two tensors)
- Attention (opset 23): batch x query heads x query length x key length x (head size +
  value head size), the two products of scaled dot-product attention
- Einsum of two operands without an ellipsis: the product of every label's size

Other operators count zero. Nodes inside If/Loop/Scan bodies are not counted: skipped()
names them so a table can say its count is a lower bound.
"""
from __future__ import annotations

import math

from onnx2c.ir import Graph, Node

MS_DOMAIN = "com.microsoft"


def _shape(g: Graph, node: Node, index: int) -> tuple[int, ...]:
    return tuple(g.values[node.inputs[index]].shape)


def _out_size(g: Graph, node: Node) -> int:
    return math.prod(g.values[node.outputs[0]].shape)


def _conv(weight_index: int):
    def count(g: Graph, node: Node) -> int:
        weight = _shape(g, node, weight_index)      # (M, C / group, k1, k2, ...)
        return _out_size(g, node) * math.prod(weight[1:])
    return count


def _conv_transpose(g: Graph, node: Node) -> int:
    weight = _shape(g, node, 1)                     # (C, M / group, k1, k2, ...)
    return math.prod(_shape(g, node, 0)) * math.prod(weight[1:])


def _matmul(a_index: int):
    def count(g: Graph, node: Node) -> int:
        return _out_size(g, node) * _shape(g, node, a_index)[-1]
    return count


def _gemm(g: Graph, node: Node) -> int:
    a = _shape(g, node, 0)
    k = a[0] if node.attrs.get("transA", 0) else a[1]
    return _out_size(g, node) * k


def _recurrent(g: Graph, node: Node) -> int:
    x = _shape(g, node, 0)                          # (seq, batch, in) or layout 1: (batch, seq, in)
    steps_times_batch = x[0] * x[1]
    return steps_times_batch * (math.prod(_shape(g, node, 1)) + math.prod(_shape(g, node, 2)))


def _attention(g: Graph, node: Node) -> int:
    q, k, v = (_shape(g, node, i) for i in range(3))
    if len(q) == 4:                                 # (batch, heads, length, head size)
        batch, q_heads, q_len, head = q
        k_len, v_head = k[2], v[3]
    else:                                           # (batch, length, heads x head size)
        q_heads, kv_heads = node.attrs["q_num_heads"], node.attrs["kv_num_heads"]
        batch, q_len, head = q[0], q[1], q[2] // q_heads
        k_len, v_head = k[1], v[2] // kv_heads
    if len(node.inputs) > 4 and node.inputs[4]:     # past_key: (batch, kv heads, past, head)
        k_len += _shape(g, node, 4)[2]
    return batch * q_heads * q_len * k_len * (head + v_head)


def _einsum(g: Graph, node: Node) -> int | None:
    specs = node.attrs["equation"].replace(" ", "").partition("->")[0].split(",")
    if len(specs) != 2 or "..." in "".join(specs):
        return None
    sizes = {}
    for index, spec in enumerate(specs):
        sizes.update(zip(spec, _shape(g, node, index)))
    return math.prod(sizes.values())


COUNTERS = {
    ("", "Conv"): _conv(1), ("", "ConvInteger"): _conv(1), ("", "QLinearConv"): _conv(3),
    ("", "ConvTranspose"): _conv_transpose,
    ("", "MatMul"): _matmul(0), ("", "MatMulInteger"): _matmul(0),
    ("", "QLinearMatMul"): _matmul(0), (MS_DOMAIN, "MatMulIntegerToFloat"): _matmul(0),
    (MS_DOMAIN, "DynamicQuantizeMatMul"): _matmul(0),
    ("", "Gemm"): _gemm, (MS_DOMAIN, "QGemm"): _gemm,
    ("", "RNN"): _recurrent, ("", "GRU"): _recurrent, ("", "LSTM"): _recurrent,
    (MS_DOMAIN, "DynamicQuantizeLSTM"): _recurrent,
    ("", "Attention"): _attention, ("", "Einsum"): _einsum,
}
SUBGRAPH_OPS = ("If", "Loop", "Scan")


def _domain(node: Node) -> str:
    return "" if node.domain in ("", "ai.onnx") else node.domain


def by_op(g: Graph) -> dict[str, int]:
    """MACs per operator type, over the graph's top-level nodes."""
    out: dict[str, int] = {}
    for node in g.nodes:
        counter = COUNTERS.get((_domain(node), node.op_type))
        macs = counter(g, node) if counter else None
        if macs:
            out[node.op_type] = out.get(node.op_type, 0) + macs
    return out


def skipped(g: Graph) -> list[str]:
    """Nodes whose products are not counted: control flow bodies, Einsums that are not simple."""
    names = []
    for node in g.nodes:
        if node.op_type in SUBGRAPH_OPS or \
                (node.op_type == "Einsum" and _einsum(g, node) is None):
            names.append(f"{node.op_type} {node.name}")
    return names


def count(g: Graph) -> int:
    return sum(by_op(g).values())


def model_macs(model, **frontend_args) -> int:
    """MACs of a model (path or ModelProto); frontend_args: shapes, freeze, capacity."""
    from onnx2c.frontend import load_graph
    return count(load_graph(model, **frontend_args))
