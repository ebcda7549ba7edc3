"""Absorb the activation and the residual Add that follow a float32 Conv, ConvTranspose,
Gemm or MatMul into the node, so its GEMM kernel applies them while the results are in
registers (runtime_c/o2c_epilogue.h) and the intermediate tensors disappear.

The fused node is the original op in domain `onnx2c` (ops/epilogue.py reads it) with
attributes `activation` (Relu, Clip, LeakyRelu, Sigmoid, HardSwish or SiLU, the last
being PyTorch's x * Sigmoid(x) pair), `activation_alpha`, `activation_beta`,
`residual_first` (the Add came before the activation), and the Add's (or a two-input
Sum's) other operand as input 3. A node absorbs what reads its output only when nothing else reads it and it is
not a graph output; it then stands where the last absorbed node stood, which all of its
inputs precede.
"""
from __future__ import annotations

import numpy as np

from ..ir import DType, Graph, Node
from ..ir.optable import COMPILER_DOMAIN as DOMAIN

RESIDUAL = 3
_PRODUCTS = ("Conv", "ConvTranspose", "Gemm", "MatMul")
_SIMPLE = ("Relu", "Sigmoid", "HardSwish", "LeakyRelu")


def _clip_bounds(g: Graph, n: Node) -> tuple[float, float] | None:
    if n.version < 11:
        return float(n.attrs.get("min", -np.inf)), float(n.attrs.get("max", np.inf))
    bounds = []
    for i, dflt in ((1, -np.inf), (2, np.inf)):
        name = n.inputs[i] if len(n.inputs) > i else ""
        v = g.values.get(name) if name else None
        if name and (v is None or v.data is None):
            return None
        bounds.append(float(v.data) if name else dflt)
    return bounds[0], bounds[1]


def _activation(g: Graph, n: Node) -> tuple[str, float, float] | None:
    """(activation, alpha, beta) if n is an activation the epilogue computes."""
    if n.domain or n.op_type not in _SIMPLE + ("Clip",):
        return None
    if n.op_type == "Clip":
        bounds = _clip_bounds(g, n)
        return None if bounds is None else ("Clip", *bounds)
    if n.op_type == "LeakyRelu":
        return "LeakyRelu", float(n.attrs.get("alpha", 0.01)), 0.0
    if n.op_type == "HardSwish":
        return "HardSwish", 0.0, 0.0
    return n.op_type, 0.0, 0.0


def fused_form(node: Node) -> Node:
    """node as the compiler's fused product (no activation, no residual yet); a node
    already in that form is returned as it is."""
    if node.domain == DOMAIN:
        return node
    attrs = dict(node.attrs, activation="", activation_alpha=0.0, activation_beta=0.0,
                 residual_first=0)
    inputs = list(node.inputs) + [""] * (RESIDUAL - len(node.inputs))
    return Node(node.name, node.op_type, DOMAIN, 1, inputs[:RESIDUAL], list(node.outputs), attrs)


def _absorb(g: Graph, node: Node, readers: dict) -> tuple[Node, list[Node]] | None:
    """(the fused node, the nodes it absorbs) for what reads node's output, or None."""
    y = node.outputs[0]
    users = readers.get(y, [])
    if y in g.outputs or not users:
        return None
    act = node.attrs.get("activation", "") if node.domain == DOMAIN else ""
    has_res = node.domain == DOMAIN and len(node.inputs) > RESIDUAL and node.inputs[RESIDUAL]
    if len(users) == 2 and not act:      # SiLU: Sigmoid(y) and Mul(y, Sigmoid(y))
        sig, mul = sorted(users, key=lambda n: n.op_type != "Sigmoid")
        s = sig.outputs[0]
        if sig.op_type == "Sigmoid" and not sig.domain and mul.op_type == "Mul" and \
                not mul.domain and sorted(mul.inputs) == sorted([y, s]) and \
                len(readers.get(s, [])) == 1 and s not in g.outputs:
            f = fused_form(node)
            f.attrs.update(activation="SiLU")
            return f, [sig, mul]
        return None
    if len(users) != 1:
        return None
    user = users[0]
    a = None if act else _activation(g, user)
    if a is not None:
        f = fused_form(node)
        f.attrs.update(activation=a[0], activation_alpha=a[1], activation_beta=a[2])
        return f, [user]
    if user.op_type in ("Add", "Sum") and not user.domain and not has_res and \
            len(user.inputs) == 2:
        other = user.inputs[1] if user.inputs[0] == y else user.inputs[0]
        ov, yv = g.values[other], g.values[y]
        if other != y and ov.shape == yv.shape and ov.dtype == yv.dtype:
            f = fused_form(node)
            f.inputs = f.inputs + [other]
            f.attrs.update(residual_first=0 if act else 1)
            return f, [user]
    return None


def fuse_epilogue(g: Graph) -> Graph:
    """g with activations and residual Adds absorbed into the float32 products before them."""
    changed = True
    while changed:
        changed = False
        readers = g.consumers()
        for k, node in enumerate(g.nodes):
            if node.op_type not in _PRODUCTS or node.domain not in ("", DOMAIN) or \
                    g.values[node.outputs[0]].dtype != DType.FLOAT:
                continue
            hit = _absorb(g, node, readers)
            if hit is None:
                continue
            fused, gone = hit
            old = node.outputs[0]
            fused.outputs = [gone[-1].outputs[0]]
            last = max(g.nodes.index(n) for n in gone)
            g.nodes[last] = fused
            del g.nodes[k]
            for n in gone[:-1]:
                g.nodes.remove(n)
                for o in n.outputs:
                    g.values.pop(o, None)
            g.values.pop(old, None)
            changed = True
            break
    return g


def fused_label(node: Node) -> str:
    """How reports name a node: 'Conv+Add+Relu' for a fused one, else its op type."""
    if node.domain != DOMAIN:
        return node.op_type
    if "absorbed" in node.attrs:    # elementwise ops fused into it (lowering/fuse_chains.py)
        return "+".join(node.attrs["absorbed"] + [node.op_type])
    parts = [node.op_type]
    res = len(node.inputs) > RESIDUAL and node.inputs[RESIDUAL]
    act = node.attrs.get("activation", "")
    if res and node.attrs.get("residual_first"):
        parts.append("Add")
    if act:
        parts.append(act)
    if res and not node.attrs.get("residual_first"):
        parts.append("Add")
    return "+".join(parts)
