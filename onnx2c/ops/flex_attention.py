"""ai.onnx.preview FlexAttention: the attention kernel with its score_mod / prob_mod
subgraphs inlined as per-element C expressions.

A modifier maps the (batch, head, query, key) score tensor elementwise, possibly through
tensors built from its shape alone (a causal mask from Range, a relative-position bias).
Those parts are evaluated at compile time (the shape is static) and become tables indexed
by the element's position (the template reads them there: `{name}` in an expression); the
parts that touch the scores are translated op by op.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from onnx import helper
from onnx.reference import ReferenceEvaluator

from ..csyntax.literals import array_body, scalar
from ..errors import CompileError
from ..ir import DType
from ._util import inp
from .attention import geometry, kernel
from ..ir.optable import op

_PRECISION = {DType.FLOAT: "float", DType.DOUBLE: "double", DType.FLOAT16: "float",
              DType.BFLOAT16: "float"}
# C forms of the elementwise ops a modifier may apply to the scores ({f}: float suffix)
_UNARY = {"Identity": "{0}", "Neg": "(-{0})", "Abs": "fabs{f}({0})", "Exp": "exp{f}({0})",
          "Log": "log{f}({0})", "Sqrt": "sqrt{f}({0})", "Tanh": "tanh{f}({0})",
          "Sigmoid": "(1 / (1 + exp{f}(-{0})))", "Relu": "fmax{f}({0}, 0)", "Cast": "{0}"}
_BINARY = {"Add": "({0} + {1})", "Sub": "({0} - {1})", "Mul": "({0} * {1})",
           "Div": "({0} / {1})", "Max": "fmax{f}({0}, {1})", "Min": "fmin{f}({0}, {1})",
           "Greater": "({0} > {1})", "Less": "({0} < {1})", "GreaterOrEqual": "({0} >= {1})",
           "LessOrEqual": "({0} <= {1})", "Equal": "({0} == {1})"}
_FLOAT_CASTS = {DType.FLOAT, DType.DOUBLE, DType.FLOAT16, DType.BFLOAT16}


@dataclass(frozen=True)
class ModifierTable:
    """A constant a modifier reads: `size` elements, `body` the C initializer body,
    `strides` by the scores' (batch, head, query, key), broadcast axes 0."""
    name: str
    size: int
    body: str
    strides: list[int]


class _Mod:
    """One modifier subgraph translated for the scores of `shape` (B, H, L, S)."""

    def __init__(self, node, graph, shape, acc: str, opsets: dict, tables: list):
        self.node, self.shape, self.acc, self.tables = node, shape, acc, tables
        self.f = "" if acc == "double" else "f"
        x = graph.input[0].name
        data = {x}          # values that depend on the scores, not just on their shape
        for n in graph.node:
            if n.op_type not in ("Shape", "Size") and data.intersection(n.input):
                data.update(n.output)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v)
                                                        for d, v in opsets.items()])
        zeros = np.zeros(shape, np.float64 if acc == "double" else np.float32)
        try:
            self.consts = ReferenceEvaluator(model).run(None, {x: zeros}, intermediate=True)
        except Exception as e:      # e.g. names from the enclosing graph, unknown ops
            self._fail(f"its shape-only part cannot be evaluated at compile time ({e})")
        for k in data:
            self.consts.pop(k, None)
        self.exprs = {x: "x"}
        for n in graph.node:
            if data.intersection(n.input) and n.op_type not in ("Shape", "Size"):
                self.exprs[n.output[0]] = self._translate(n)
        self.expr = self._operand(graph.output[0].name)

    def _fail(self, why: str):
        raise CompileError(f"{self.node.op_type} modifier: {why}", self.node,
                           reason=f"{self.node.op_type}: unsupported modifier")

    def _operand(self, name: str) -> str:
        if name in self.exprs:
            return self.exprs[name]
        v = np.asarray(self.consts[name])
        if v.size == 1:
            return scalar(float(v.reshape(-1)[0]), self.acc)
        try:
            full = np.broadcast_to(v, np.broadcast_shapes(v.shape, self.shape))
        except ValueError:
            self._fail(f"'{name}' of shape {v.shape} does not broadcast to the scores")
        if full.shape != tuple(self.shape):
            self._fail(f"'{name}' broadcasts the scores to {full.shape}")
        kept = (1,) * (4 - v.ndim) + v.shape
        st = [int(np.prod(kept[k + 1:])) if kept[k] != 1 else 0 for k in range(4)]
        tname = f"mod{len(self.tables)}"
        self.tables.append(ModifierTable(tname, v.size, array_body(
            v.astype(np.float64), DType.DOUBLE if self.acc == "double" else DType.FLOAT), st))
        return f"{{{tname}}}"

    def _translate(self, n) -> str:
        args = [self._operand(i) for i in n.input]
        if n.op_type == "Cast":
            to = {a.name: a.i for a in n.attribute}.get("to")
            if DType(to) not in _FLOAT_CASTS:
                self._fail(f"Cast of the scores to type {to}")
        if n.op_type in _UNARY and len(args) == 1:
            return _UNARY[n.op_type].format(*args, f=self.f)
        if n.op_type in _BINARY and len(args) == 2:
            return _BINARY[n.op_type].format(*args, f=self.f)
        if n.op_type == "Where":
            return f"({args[0]} ? {args[1]} : {args[2]})"
        self._fail(f"{n.op_type} is not an elementwise op onnx2c can inline")


@op("FlexAttention", domain="ai.onnx.preview", since=1)
def lower_flex_attention(node, ctx):
    q, k = inp(node, ctx, 0), inp(node, ctx, 1)
    a = node.attrs
    if len(q.shape) != 4:
        raise CompileError("FlexAttention needs rank-4 Q, K, V", node,
                           reason="FlexAttention: rank")
    precision = a.get("softmax_precision")
    acc = _PRECISION[DType(precision)] if precision else _PRECISION.get(q.dtype, "float")
    shape = (q.shape[0], q.shape[1], q.shape[2], k.shape[2])
    tables: list = []
    mods = {m: _Mod(node, a[m], shape, acc, ctx.graph.opsets, tables).expr
            for m in ("score_mod", "prob_mod") if a.get(m) is not None}
    return kernel(geometry(node, ctx, None, None), a.get("scale"), acc, tables=tables, **mods)
