"""The fusion rules of passes/qdq.py, one per operator family, after onnxruntime's QDQ
selectors (core/optimizer/qdq_transformer/selectors_actions): which DQ -> op -> Q groups
become which integer op, and the type conditions each needs. A rule returns None when it
rewrote the group, else why not."""
from __future__ import annotations

import numpy as np

from ..ir import DType, Graph, Node, Value
from ..quant import EIGHT_BIT, qrange
from .qdq_groups import same_params

MS = "com.microsoft"
# ops onnxruntime runs on the integers once the DQ before and the Q after agree (their
# selectors' "drop" rules); the scale must be positive where order matters
DROP = {"Reshape", "Transpose", "Squeeze", "Unsqueeze", "Flatten", "Gather", "Slice", "Expand",
        "Tile", "GatherElements", "Resize"}
DROP_POSITIVE_SCALE = {"MaxPool", "ReduceMax", "ReduceMin"}
UNARY = {"AveragePool": "QLinearAveragePool", "GlobalAveragePool": "QLinearGlobalAveragePool",
         "LeakyRelu": "QLinearLeakyRelu", "Sigmoid": "QLinearSigmoid",
         "Softmax": "QLinearSoftmax"}
BINARY = {"Add": "QLinearAdd", "Mul": "QLinearMul"}


def _zero_input(g: Graph, node: Node, dtype: DType) -> str:
    """A Q/DQ node's zero-point input, or a zero constant of dtype when it has none."""
    if len(node.inputs) > 2 and node.inputs[2]:
        return node.inputs[2]
    name = f"{node.name}:zero"
    if name not in g.values:
        g.values[name] = Value(name, dtype, (), np.zeros((), dtype.np))
    return name


def _qparams(g, groups, node: Node) -> list[str]:
    """(integer tensor or output, scale, zero point) of a DQ or Q node."""
    data = node.inputs[0] if node.op_type == "DequantizeLinear" else node.outputs[0]
    return [data, node.inputs[1], _zero_input(g, node, groups.int_type(node))]


def _replace(g: Graph, old: list[Node], new: Node) -> None:
    """new takes the place of the first of old; the rest go (DQs are left to DCE)."""
    at = g.nodes.index(old[0])
    g.nodes[at] = new
    for n in old[1:]:
        g.nodes.remove(n)


def _new(node: Node, op: str, inputs, outputs, attrs, domain: str = "") -> Node:
    version = 1 if domain else node.version
    return Node(f"{node.name}:{op}", op, domain, version, list(inputs), list(outputs),
                dict(attrs))


def _dqs(groups, node: Node, count: int | None = None):
    """The DQ node of each present input (all of them, or the first count), or why not."""
    names = [i for i in node.inputs if i][:count]
    dqs = [groups.dq_of(i) for i in names]
    for i, dq in enumerate(dqs):
        if dq is None:
            return None, f"input {i} does not come from a DequantizeLinear"
    types = [groups.int_type(dq) for dq in dqs]
    if any(t not in EIGHT_BIT for t in types[:2]):
        return None, "not 8-bit quantized"
    return dqs, None


def _conv(g, groups, node):
    dqs, why = _dqs(groups, node)
    if why:
        return why
    q = groups.only_q_after(node)
    if q is None:
        return "its output is not (only) quantized"
    tx, tw, ty = groups.int_type(dqs[0]), groups.int_type(dqs[1]), groups.int_type(q)
    if tx != ty or (tx == DType.INT8 and tw != DType.INT8):
        return f"input/weight/output types {tx.onnx_name}/{tw.onnx_name}/{ty.onnx_name}"
    if len(dqs) == 3 and groups.int_type(dqs[2]) != DType.INT32:
        return "bias is not int32"
    inputs = _qparams(g, groups, dqs[0]) + _qparams(g, groups, dqs[1]) + \
        _qparams(g, groups, q)[1:] + ([dqs[2].inputs[0]] if len(dqs) == 3 else [])
    _replace(g, [node, q], _new(node, "QLinearConv", inputs, q.outputs, node.attrs))
    return None


def _product_operands(groups, node):
    """The DQ nodes of a MatMul's or Gemm's inputs and A's integer type, or why not: an
    int8 A needs int8 weights (onnxruntime has no s8 x u8 kernel)."""
    dqs, why = _dqs(groups, node)
    if why:
        return None, None, why
    ta, tb = groups.int_type(dqs[0]), groups.int_type(dqs[1])
    if ta == DType.INT8 and tb != DType.INT8:
        return None, None, "int8 input with a uint8 weight"
    return dqs, ta, None


def _matmul(g, groups, node):
    dqs, ta, why = _product_operands(groups, node)
    if why:
        return why
    a, b = _qparams(g, groups, dqs[0]), _qparams(g, groups, dqs[1])
    q = groups.only_q_after(node)
    if q is None:       # a float result: onnxruntime's MatMulIntegerToFloat
        _replace(g, [node], _new(node, "MatMulIntegerToFloat",
                                 [a[0], b[0], a[1], b[1], a[2], b[2]], node.outputs, {}, MS))
        return None
    if groups.int_type(q) != ta:
        return "output type differs from the input's"
    _replace(g, [node, q], _new(node, "QLinearMatMul", a + b + _qparams(g, groups, q)[1:],
                                q.outputs, {}))
    return None


def _gemm(g, groups, node):
    dqs, ta, why = _product_operands(groups, node)
    if why:
        return why
    if len(dqs) == 3 and (float(node.attrs.get("beta", 1.0)) != 1.0 or
                          groups.int_type(dqs[2]) != DType.INT32):
        return "bias is not int32 with beta 1"
    q = groups.only_q_after(node)
    if q is not None and groups.int_type(q) != ta:
        return "output type differs from the input's"
    inputs = _qparams(g, groups, dqs[0]) + _qparams(g, groups, dqs[1]) + \
        [dqs[2].inputs[0] if len(dqs) == 3 else ""] + \
        (_qparams(g, groups, q)[1:] if q is not None else [])
    attrs = {k: node.attrs[k] for k in ("alpha", "transA", "transB") if k in node.attrs}
    old = [node, q] if q is not None else [node]
    _replace(g, old, _new(node, "QGemm", inputs, (q or node).outputs, attrs, MS))
    return None


def _elementwise(g, groups, node):
    """The unary and binary ops and Concat: every input dequantized, the output quantized,
    all of one 8-bit type."""
    count = 1 if node.op_type in UNARY else None
    dqs, why = _dqs(groups, node, count)
    if why:
        return why
    q = groups.only_q_after(node)
    if q is None:
        return "its output is not (only) quantized"
    if len({groups.int_type(n) for n in dqs + [q]}) != 1:
        return "inputs and output of different integer types"
    params = [p for dq in dqs for p in _qparams(g, groups, dq)]
    out = _qparams(g, groups, q)[1:]
    attrs = dict(node.attrs)
    if node.op_type == "Concat":
        op, inputs = "QLinearConcat", out + params
    elif node.op_type in BINARY:
        op, inputs = BINARY[node.op_type], params + out
    else:
        op, inputs = UNARY[node.op_type], params + out
        if node.op_type == "Softmax":
            attrs["opset"] = node.version
    _replace(g, [node, q], _new(node, op, inputs, q.outputs, attrs, MS))
    return None


def _drop(g, groups, node):
    """Data movement between a DQ and a Q that agree: it runs on the integers."""
    dq = groups.dq_of(node.inputs[0])
    q = groups.only_q_after(node) if dq is not None else None
    if dq is None or q is None or not same_params(groups, q, dq):
        return "not between a DequantizeLinear and a QuantizeLinear with equal parameters"
    if node.op_type in DROP_POSITIVE_SCALE and not float(g.values[q.inputs[1]].data) > 0:
        return "a non-positive scale reverses the order"
    if node.op_type == "Resize" and node.attrs.get("mode", "nearest") != "nearest":
        # onnxruntime 1.32 interpolates in float (measured: it keeps these Q/DQ pairs)
        return "interpolating Resize runs in float, as in onnxruntime"
    node.inputs[0] = dq.inputs[0]
    node.outputs[0] = q.outputs[0]
    g.nodes.remove(q)
    return None


def apply(g: Graph, groups, node: Node) -> str | None:
    """Rewrite node's group if a rule takes it; None, or why it stays in float."""
    if node.domain not in ("", "ai.onnx"):
        return None
    op = node.op_type
    if op == "Conv":
        return _conv(g, groups, node)
    if op == "MatMul":
        return _matmul(g, groups, node)
    if op == "Gemm":
        return _gemm(g, groups, node)
    if op in UNARY or op in BINARY or op == "Concat":
        return _elementwise(g, groups, node)
    if op in DROP or op in DROP_POSITIVE_SCALE:
        return _drop(g, groups, node)
    return None


def drop_redundant_clips(g: Graph, groups) -> None:
    """Relu or Clip right before a QuantizeLinear that clamps at least as much (onnxruntime's
    ReluQuantFusion / ClipQuantFusion): the Q alone gives the same integers."""
    for node in list(g.nodes):
        if node.op_type not in ("Relu", "Clip") or node.domain not in ("", "ai.onnx"):
            continue
        q = groups.only_q_after(node)
        if q is None or not _clip_redundant(g, groups, node, q):
            continue
        q.inputs[0] = node.inputs[0]
        g.nodes.remove(node)
        groups = type(groups)(g)


def _clip_redundant(g, groups, clip: Node, q: Node) -> bool:
    scale, zero = g.values[q.inputs[1]].data, 0
    if len(q.inputs) > 2 and q.inputs[2]:
        zero_v = g.values[q.inputs[2]].data
        if zero_v is None or zero_v.size != 1:
            return False
        zero = int(zero_v.reshape(-1)[0])
    if scale is None or scale.size != 1 or groups.int_type(q) not in EIGHT_BIT:
        return False
    lo, hi = qrange(groups.int_type(q))
    if clip.op_type == "Relu":
        return zero == lo
    bounds = []
    if "min" in clip.attrs or "max" in clip.attrs:         # Clip before opset 11
        bounds = [float(clip.attrs.get("min", -np.inf)), float(clip.attrs.get("max", np.inf))]
    for i, default in ((1, -np.inf), (2, np.inf)) if not bounds else ():
        v = g.values[clip.inputs[i]] if len(clip.inputs) > i and clip.inputs[i] else None
        if v is not None and v.data is None:
            return False
        bounds.append(float(v.data) if v is not None else default)
    quantized = [np.rint(b / float(np.float32(scale.reshape(-1)[0]))) + zero
                 if np.isfinite(b) else b for b in bounds]
    return quantized[0] <= lo and quantized[1] >= hi
