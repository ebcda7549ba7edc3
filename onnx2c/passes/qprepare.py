"""Integer convolutions and matrix products with constant weights to the kernels' form.

QLinearConv, ConvInteger, QLinearMatMul, MatMulInteger and com.microsoft QGemm and
MatMulIntegerToFloat (written by a quantizer, or by passes/qdq.py from QDQ groups) become
the private ops QConv and QGemm (domain onnx2c.int8, lowered by ops/qconv.py and
ops/qmatmul.py) once their weights and quantization parameters are compile-time
constants; com.microsoft DynamicQuantizeMatMul becomes QDynamicGemm and
DynamicQuantizeLSTM QLSTM (passes/qlstm.py). Everything the kernels need is computed here, in numpy, exactly as onnxruntime
computes it:

- the weights minus their zero point, packed as o2c_qgemm.h's row pairs (int8 in flash,
  never widened into RAM);
- the int32 bias, one per output channel (or row of W);
- the float32 requantization scale per output channel, (x_scale * w_scale) / y_scale in
  onnxruntime's order (or, with --requant fixed, its Q31 multiplier and shift).

A node whose weights are run-time data keeps its ONNX form and the reference kernels.
"""
from __future__ import annotations

import numpy as np

from ..ir import DType, Graph, Node
from ..quant import EIGHT_BIT
from ..quant.packing import groups_row_pairs, row_pairs, row_sums, \
    subtract_zero_point
from .qconstants import Builder as _Builder, const as _const, scalar as _scalar
from .qlstm import prepare_lstm

MS = "com.microsoft"


def _conv(g: Graph, node: Node, requant: str) -> bool:
    integer = node.op_type == "ConvInteger"
    iw = 1 if integer else 3
    x, w = g.values[node.inputs[0]], g.values[node.inputs[iw]]
    zeros = [_const(g, node, i, np.zeros(1, np.int64)) for i in ((2, 3) if integer else (2, 5))]
    params = [] if integer else [_const(g, node, i) for i in (1, 4, 6)] + \
        [_const(g, node, 7, np.zeros(1, np.int64))]
    if w.data is None or any(p is None for p in zeros + params) or not _scalar(zeros[0]) or \
            len(w.shape) not in (3, 4) or x.dtype not in EIGHT_BIT:
        return False
    out_c, group = w.shape[0], int(node.attrs.get("group", 1))
    if len(x.shape) != len(w.shape) or w.shape[1] * group != x.shape[1] or out_c % group:
        return False        # left to the reference lowering, which names the mismatch
    weights = subtract_zero_point(w.data, zeros[1])
    if weights is None:
        return False
    b = _Builder(g, node, requant)
    depthwise = group > 1 and w.shape[1] == 1 and out_c == group
    packed = weights.reshape(out_c, -1) if depthwise else groups_row_pairs(weights, group)
    attrs = {k: node.attrs[k] for k in ("auto_pad", "dilations", "group", "kernel_shape",
                                        "pads", "strides") if k in node.attrs}
    x_zero = int(zeros[0].reshape(-1)[0])
    attrs.setdefault("kernel_shape", list(w.shape[2:]))
    attrs.update(x_zero=x_zero, depthwise=depthwise, mode="int32" if integer else "requant",
                 requant=requant)
    inputs = [node.inputs[0], b.const("weights", packed.reshape(-1), DType.INT8),
              b.bias(None if integer else _const(g, node, 8), weights, x_zero)]
    if not integer:
        x_scale, w_scale, y_scale, y_zero = params
        if not (_scalar(x_scale) and _scalar(y_scale) and _scalar(y_zero)):
            return False
        # onnxruntime: X_scale * W_scale[i] / Y_scale, in float32, left to right
        scales = np.float32(x_scale.reshape(-1)[0]) * np.asarray(w_scale, np.float32) / \
            np.float32(y_scale.reshape(-1)[0])
        inputs.append(b.scale(np.broadcast_to(scales.reshape(-1), (out_c,)
                                              if scales.size > 1 else (1,))))
        attrs["y_zero"] = int(y_zero.reshape(-1)[0])
    b.replace("QConv", inputs, attrs)
    return True


def _matmul(g: Graph, node: Node, requant: str) -> bool:
    """MatMul forms: y (..., M, N) = A (..., M, K) x B (K, N) with B constant."""
    op = node.op_type
    if op == "QLinearMatMul":
        ia, ib, a_zero_i, b_zero_i = 0, 3, 2, 5
    elif op == "MatMulInteger":
        ia, ib, a_zero_i, b_zero_i = 0, 1, 2, 3
    else:                   # MatMulIntegerToFloat: a, b, a_scale, b_scale, a_zero, b_zero, bias
        ia, ib, a_zero_i, b_zero_i = 0, 1, 4, 5
    a, bmat = g.values[node.inputs[ia]], g.values[node.inputs[ib]]
    a_zero = _const(g, node, a_zero_i, np.zeros(1, np.int64))
    b_zero = _const(g, node, b_zero_i, np.zeros(1, np.int64))
    if bmat.data is None or len(bmat.shape) != 2 or b_zero is None or a.dtype not in EIGHT_BIT:
        return False
    if a_zero is None and op == "MatMulInteger":
        return _runtime_zero_matmul(g, node, requant, bmat.data.T, b_zero)
    if not _scalar(a_zero):
        return False
    return _gemm_node(g, node, requant, bmat.data.T, b_zero, a_zero, op)


def _runtime_zero_matmul(g: Graph, node: Node, requant: str, w, b_zero) -> bool:
    """MatMulInteger whose A zero point is computed at run time (quantize_dynamic's
    DynamicQuantizeLinear -> MatMulInteger): the packed QGemm, with each row's sum of
    weights for the kernel to fold the zero point into the bias when it runs (a single
    row of A, a matrix-vector product, takes o2c_qgemm.h's o2c_qgemv)."""
    zero = g.values[node.inputs[2]]
    if zero.size != 1:
        return False
    weights = subtract_zero_point(np.ascontiguousarray(w), b_zero) \
        if b_zero.size in (1, w.shape[0]) else None
    if weights is None:
        return False
    b = _Builder(g, node, requant)
    sums = row_sums(weights).astype(np.int32)
    inputs = [node.inputs[0], b.const("weights", row_pairs(weights), DType.INT8), "", "", "",
              node.inputs[2], b.const("sums", sums, DType.INT32)]
    b.replace("QGemm", inputs, dict(a_zero=0, N=int(w.shape[0]), K=int(w.shape[1]),
                                    requant=requant, mode="int32", y_zero=0))
    return True


def _qgemm(g: Graph, node: Node, requant: str) -> bool:
    """com.microsoft QGemm: A, a_scale, a_zero, B, b_scale, b_zero, C, y_scale, y_zero."""
    bmat = g.values[node.inputs[3]]
    if node.attrs.get("transA", 0) or bmat.data is None:
        return False
    w = bmat.data if node.attrs.get("transB", 0) else bmat.data.T
    return _gemm_node(g, node, requant, w, _const(g, node, 5), _const(g, node, 2), "QGemm")


def _gemm_node(g, node, requant, w, b_zero, a_zero, op) -> bool:
    """The QGemm private op for weights w (N rows of K) with per-row zero points."""
    rows = w.shape[0]
    if b_zero is None or not _scalar(a_zero) or b_zero.size not in (1, rows):
        return False
    weights = subtract_zero_point(np.ascontiguousarray(w), b_zero)
    if weights is None:
        return False
    b = _Builder(g, node, requant)
    attrs = dict(a_zero=int(a_zero.reshape(-1)[0]), N=rows, K=int(w.shape[1]),
                 requant=requant, mode="int32", y_zero=0)
    bias, scale, bias_f = None, "", ""
    if op in ("QLinearMatMul", "QGemm"):
        ia_s, ib_s, iy_s, iy_z, ic = (1, 4, 6, 7, None) if op == "QLinearMatMul" else \
            (1, 4, 7, 8, 6)
        a_s, b_s, y_s = (_const(g, node, i) for i in (ia_s, ib_s, iy_s))
        if a_s is None or b_s is None or (y_s is None and len(node.inputs) > iy_s and
                                          node.inputs[iy_s]):
            return False
        first = np.float32(a_s.reshape(-1)[0])
        if op == "QGemm":       # (alpha * a_scale) * b_scale[i], then / y_scale
            first = np.float32(node.attrs.get("alpha", 1.0)) * first
            c = _const(g, node, ic)
            if c is None and ic < len(node.inputs) and node.inputs[ic]:
                return False
            if c is not None and c.size not in (1, rows):
                return False
            bias = c
        scales = first * np.asarray(b_s, np.float32).reshape(-1)
        if y_s is not None:
            scales = scales / np.float32(y_s.reshape(-1)[0])
            attrs.update(mode="requant", y_zero=int(_const(g, node, iy_z,
                                                           np.zeros(1)).reshape(-1)[0]))
        else:
            attrs.update(mode="float", requant="float")
        scale = b.scale(scales) if y_s is not None else \
            b.const("scale", scales.astype(np.float32), DType.FLOAT)
    elif op == "MatMulIntegerToFloat":
        a_s, b_s = _const(g, node, 2), _const(g, node, 3)
        if a_s is None or b_s is None:
            return False
        scales = np.float32(a_s.reshape(-1)[0]) * np.asarray(b_s, np.float32).reshape(-1)
        scale = b.const("scale", scales, DType.FLOAT)
        bias = _const(g, node, 6)
        if bias is None and len(node.inputs) > 6 and node.inputs[6]:
            return False
        if bias is not None:
            bias_f = b.const("bias_f", np.broadcast_to(np.asarray(bias, np.float32),
                                                       (rows,)).copy(), DType.FLOAT)
        attrs.update(mode="float", requant="float")
    inputs = [node.inputs[0], b.const("weights", row_pairs(weights), DType.INT8),
              b.bias(bias, weights, attrs["a_zero"]), scale, bias_f]
    b.replace("QGemm", inputs, attrs)
    return True


def _dynamic_matmul(g: Graph, node: Node, requant: str) -> bool:
    """com.microsoft DynamicQuantizeMatMul (A float, quantized at run time) with constant
    B (K, N) and scales: the private QDynamicGemm of ops/qmatmul.py, whose B rows carry
    their sums for the run-time zero point of A (runtime_c/o2c_qrnn.h)."""
    bmat, b_scale = _const(g, node, 1), _const(g, node, 2)
    b_zero = _const(g, node, 3, np.zeros(1, np.int64))
    if bmat is None or bmat.ndim != 2 or b_scale is None or b_zero is None or \
            b_scale.size not in (1, bmat.shape[1]) or b_zero.size not in (1, bmat.shape[1]):
        return False
    rows = subtract_zero_point(np.ascontiguousarray(bmat.T), b_zero)
    if rows is None:
        return False
    b = _Builder(g, node, requant)
    inputs = [node.inputs[0], b.const("weights", row_pairs(rows), DType.INT8),
              b.const("sums", row_sums(rows).astype(np.int32), DType.INT32),
              b.const("scales", np.asarray(b_scale, np.float32).reshape(-1), DType.FLOAT),
              node.inputs[4] if len(node.inputs) > 4 else ""]
    b.replace("QDynamicGemm", inputs, dict(N=int(bmat.shape[1]), K=int(bmat.shape[0])))
    return True


_RULES = {("", "QLinearConv"): _conv, ("", "ConvInteger"): _conv,
          ("", "QLinearMatMul"): _matmul, ("", "MatMulInteger"): _matmul,
          (MS, "MatMulIntegerToFloat"): _matmul, (MS, "QGemm"): _qgemm,
          (MS, "DynamicQuantizeLSTM"): prepare_lstm,
          (MS, "DynamicQuantizeMatMul"): _dynamic_matmul}


def prepare_integer_ops(g: Graph, requant: str = "float") -> bool:
    """Rewrite every preparable node in place; whether any was."""
    changed = False
    for node in list(g.nodes):
        rule = _RULES.get(("" if node.domain == "ai.onnx" else node.domain, node.op_type))
        if rule is not None:
            changed |= rule(g, node, requant)
    return changed
