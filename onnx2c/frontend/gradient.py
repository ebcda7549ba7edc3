"""Gradient (ai.onnx.preview.training) expanded at compile time into ordinary ONNX nodes.

Generated C has no autodiff, but dY/dX of a fixed graph is itself a fixed graph: reverse-
mode differentiation of the nodes between xs and y, seeded with ones (the upstream
gradient of y). It runs once, right after the first shape inference, because undoing
broadcasting (a ReduceSum over the broadcast axes, then a Reshape to the input's shape)
needs static shapes. The Gradient's inputs are the point the gradient is taken at: when
they are not the tensors xs and zs name, the forward nodes are cloned onto them.
"""
from __future__ import annotations

import heapq

import numpy as np
from onnx import ModelProto, NodeProto, helper, numpy_helper

from ..errors import CompileError
from .scope import Fresh, reads, rename_node
from .resolve.structure import where

_DOMAIN = "ai.onnx.preview.training"

# rule(tape, input x, output z, gradient of z) -> gradient of x
_UNARY = {
    "Identity": lambda t, x, z, g: g,
    "Neg": lambda t, x, z, g: t.add("Neg", g),
    "Relu": lambda t, x, z, g: t.add("Where", t.add("Greater", x, t.full(0, x)), g,
                                     t.full(0, x)),
    "Sigmoid": lambda t, x, z, g: t.add("Mul", t.add("Mul", g, z), t.add("Sub", t.full(1, z), z)),
    "Tanh": lambda t, x, z, g: t.add("Mul", g, t.add("Sub", t.full(1, z), t.add("Mul", z, z))),
    "Exp": lambda t, x, z, g: t.add("Mul", g, z),
}
# rule(tape, a, b, z, gradient of z) -> one thunk per input giving its gradient before
# broadcasting is undone (thunks: an input not depending on xs costs nothing)
_BINARY = {
    "Add": lambda t, a, b, z, g: (lambda: g, lambda: g),
    "Sub": lambda t, a, b, z, g: (lambda: g, lambda: t.add("Neg", g)),
    "Mul": lambda t, a, b, z, g: (lambda: t.add("Mul", g, b), lambda: t.add("Mul", g, a)),
    # d(a/b)/db = -(a/b)/b
    "Div": lambda t, a, b, z, g: (lambda: t.add("Div", g, b),
                                  lambda: t.add("Neg", t.add("Div", t.add("Mul", g, z), b))),
    # 2-D only, so no broadcasting to undo
    "MatMul": lambda t, a, b, z, g: (lambda: t.add("MatMul", g, t.add("Transpose", b)),
                                     lambda: t.add("MatMul", t.add("Transpose", a), g)),
}


class _Tape:
    """The nodes and constants the expansion adds, with the static shapes it needs."""

    def __init__(self, m: ModelProto):
        g = self.g = m.graph
        self.fresh = Fresh(g)
        self.opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
        vis = [vi for vi in list(g.input) + list(g.value_info) + list(g.output)
               if vi.type.HasField("tensor_type")]
        self.shapes = {vi.name: tuple(d.dim_value if d.HasField("dim_value") else None
                                      for d in vi.type.tensor_type.shape.dim)
                       for vi in vis if vi.type.tensor_type.HasField("shape")}
        self.types = {vi.name: vi.type.tensor_type.elem_type for vi in vis}
        for t in g.initializer:
            self.shapes[t.name], self.types[t.name] = tuple(t.dims), t.data_type
        self.nodes: list[NodeProto] = []     # of the Gradient being expanded

    def shape(self, name: str) -> tuple[int, ...]:
        s = self.shapes.get(name)
        if s is None or None in s:
            raise CompileError(f"Gradient needs the static shape of '{name}', which shape "
                               "inference could not find", reason="Gradient: dynamic shape")
        return s

    def add(self, op: str, *inputs: str, out: str | None = None, **attrs) -> str:
        out = out or self.fresh(f"grad/{op}")
        self.nodes.append(helper.make_node(op, list(inputs), [out], **attrs))
        return out

    def const(self, arr: np.ndarray, base: str) -> str:
        name = self.fresh(base)
        self.g.initializer.append(numpy_helper.from_array(arr, name))
        return name

    def full(self, value, like: str, shape=()) -> str:
        dtype = helper.tensor_dtype_to_np_dtype(self.types[like])
        return self.const(np.full(shape, value, dtype), f"grad/{value}")

    def unbroadcast(self, g: str, z: str, x: str) -> str:
        """g (z's shape) summed over the axes along which x was broadcast to z."""
        zs, xs = self.shape(z), self.shape(x)
        if zs == xs:
            return g
        pad = len(zs) - len(xs)
        axes = [i for i in range(len(zs)) if i < pad or (xs[i - pad] == 1 and zs[i] != 1)]
        if axes:
            g = self.add("ReduceSum", g, self.const(np.array(axes, np.int64), "grad/axes"),
                         keepdims=1) if self.opset >= 13 else \
                self.add("ReduceSum", g, axes=axes, keepdims=1)
        return self.add("Reshape", g, self.const(np.array(xs, np.int64), "grad/shape"))

    def total(self, parts: list[str]) -> str:
        return parts[0] if len(parts) == 1 else self.add("Sum", *parts)


def _path(g, y: str, leaves: set[str]) -> list[NodeProto]:
    """The nodes y depends on, in graph order, not looking behind the leaves."""
    producer = {o: n for n in g.node for o in n.output if o}
    seen, stack, found = set(), [y], set()
    while stack:
        name = stack.pop()
        if name in seen or name in leaves or name not in producer:
            continue
        seen.add(name)
        found.add(id(producer[name]))
        stack.extend(reads(producer[name]))
    return [n for n in g.node if id(n) in found]


def _backward(t: _Tape, path: list[NodeProto], xs: list[str], y: str) -> dict[str, list[str]]:
    active, on = set(xs), []
    for n in path:
        if any(i in active for i in reads(n)):
            on.append(n)
            active.update(o for o in n.output if o)
    grads = {y: [t.full(1, y, t.shape(y))]}
    for n in reversed(on):
        z = n.output[0]
        op = n.op_type if n.domain in ("", "ai.onnx") and len(n.output) == 1 else None
        if op not in _UNARY and op not in _BINARY:
            raise CompileError(f"Gradient through {n.op_type} is not supported", where(n),
                               reason=f"Gradient through {n.op_type}")
        if op == "MatMul" and any(len(t.shape(i)) != 2 for i in n.input):
            raise CompileError("Gradient through MatMul is only supported for 2-D operands",
                               where(n), reason="Gradient through MatMul of rank != 2")
        g = t.total(grads.pop(z))
        parts = [(n.input[0], _UNARY[op](t, n.input[0], z, g))] if op in _UNARY else \
            [(x, r() if op == "MatMul" else t.unbroadcast(r(), z, x))
             for x, r in zip(n.input, _BINARY[op](t, *n.input, z, g)) if x in active]
        for x, dx in parts:
            grads.setdefault(x, []).append(dx)
    return grads


def _expand(node: NodeProto, t: _Tape) -> list[NodeProto]:
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    xs = [s.decode() for s in attrs["xs"]]
    zs = [s.decode() for s in attrs.get("zs", [])]
    y = attrs["y"].decode()
    path = _path(t.g, y, set(xs + zs))
    t.nodes = []
    grads = _backward(t, path, xs, y)
    for out, x in zip(node.output, xs):
        if out:
            t.add("Identity", t.total(grads[x]) if x in grads else t.full(0, x, t.shape(x)),
                  out=out)
    if list(node.input) == xs + zs:
        return t.nodes
    # taken at other values than the forward graph's: a copy of the path computes y there
    mapping = dict(zip(xs + zs, node.input))
    mapping.update({o: t.fresh(f"{o}/at_{node.output[0] or 'grad'}")
                    for n in path for o in n.output if o})
    clones = [NodeProto.FromString(n.SerializeToString()) for n in path]
    for n in clones + t.nodes:
        rename_node(n, mapping)
    return clones + t.nodes


def _toposort(nodes: list[NodeProto]) -> list[NodeProto]:
    """The nodes, each value computed before its readers, otherwise in the given order."""
    producer = {o: k for k, n in enumerate(nodes) for o in n.output if o}
    users, waiting = [[] for _ in nodes], [0] * len(nodes)
    for k, n in enumerate(nodes):
        for j in {producer[i] for i in reads(n) if i in producer}:
            users[j].append(k)
            waiting[k] += 1
    ready, order = [k for k, w in enumerate(waiting) if w == 0], []
    while ready:
        k = heapq.heappop(ready)
        order.append(nodes[k])
        for u in users[k]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    if len(order) != len(nodes):
        raise CompileError("a Gradient's y depends on its own gradient (a cycle)",
                           reason="Gradient: cycle")
    return order


def expand_gradients(m: ModelProto) -> bool:
    """Replace every Gradient node of the main graph; whether there was one."""
    g = m.graph
    found = [n.op_type == "Gradient" and n.domain == _DOMAIN for n in g.node]
    if not any(found):
        return False
    t, nodes = _Tape(m), []
    for n, is_gradient in zip(list(g.node), found):
        nodes.extend(_expand(n, t) if is_gradient else [n])
    del g.node[:]
    g.node.extend(_toposort(nodes))
    return True
