"""Sequences, optionals and compile-time control flow, resolved into plain tensor graphs.

A sequence whose length and element shapes are known is the list of its element tensors:
in the graph, a SequenceConstruct(elements...) or SequenceEmpty, the canonical form every
sequence op is rewritten towards (frontend/resolve/sequences.py). An optional is an Optional(x) or
Optional() whose presence is known. If nodes with a constant condition, Loops that carry
sequences, and SequenceMap are expanded into their subgraphs' nodes (frontend/resolve/branches.py,
frontend/resolve/unroll.py).
Once nothing reads them, sequence and optional nodes disappear: none exists at run time.

The rules run between shape-inference rounds (frontend/resolve/driver.py drives them from
frontend/fold.py), so each sees the constants and static shapes earlier rounds found; a rule
missing one waits (Ctx.wait).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from onnx import GraphProto, ModelProto, NodeProto, TypeProto, helper, numpy_helper

from ..scope import Fresh, inline

RULES: dict[str, callable] = {}        # op_type (default domain) -> rule(node, ctx)
# ops whose outputs are sequences or optionals: removed once nothing reads them
STRUCTURAL = {"SequenceConstruct", "SequenceEmpty", "SequenceInsert", "SequenceErase",
              "SplitToSequence", "SequenceMap", "Optional", "OptionalGetElement", "Identity"}


def rule(*op_types: str):
    def deco(fn):
        for t in op_types:
            RULES[t] = fn
        return fn
    return deco


def where(node: NodeProto) -> str:
    """How errors name a node of the ONNX graph."""
    return f"node '{node.name or node.output[0]}' ({node.op_type})"


def element_name(seq: str, k: int) -> str:
    """The graph input or output that holds element k of sequence `seq` (the C ABI)."""
    return f"{seq}[{k}]"


def kind_of(t: TypeProto | None) -> str | None:
    """'tensor', 'sequence' or 'optional' (None when unknown)."""
    k = t.WhichOneof("value") if t is not None else None
    return {"tensor_type": "tensor", "sequence_type": "sequence",
            "optional_type": "optional"}.get(k)


class Ctx:
    """One round's view of the graph: constants, inferred types, producers so far."""

    def __init__(self, m: ModelProto, settle: Callable[[ModelProto], ModelProto]):
        g = self.g = m.graph
        # frontend.settle, for the rules that settle a subgraph as a model of its own
        # (a callback: settle runs these rules, so importing it would be a cycle)
        self.settle_model = settle
        self.opsets = list(m.opset_import)
        self.consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        self.types = {vi.name: vi.type for vi in list(g.input) + list(g.value_info)
                      + list(g.output)}
        self.producer: dict[str, NodeProto] = {}
        self.fresh = Fresh(g)
        self.inits = []
        self.waiting: list[tuple[NodeProto, str, list[str]]] = []
        self.settled = False

    def const(self, name: str) -> np.ndarray | None:
        return self.consts.get(name)

    def type(self, name: str) -> TypeProto | None:
        if name in self.consts:
            a = self.consts[name]
            return helper.make_tensor_type_proto(helper.np_dtype_to_tensor_dtype(a.dtype),
                                                 a.shape)
        return self.types.get(name)

    def kind(self, name: str) -> str | None:
        p = self.producer.get(name)
        if p is not None and p.op_type in ("SequenceConstruct", "SequenceEmpty", "Optional"):
            return "optional" if p.op_type == "Optional" else "sequence"
        return kind_of(self.type(name))

    def shape(self, name: str) -> tuple[int, ...] | None:
        if name in self.consts:
            return tuple(self.consts[name].shape)
        t = self.types.get(name)
        if kind_of(t) != "tensor" or not t.tensor_type.HasField("shape"):
            return None
        dims = t.tensor_type.shape.dim
        return tuple(d.dim_value for d in dims) if all(d.HasField("dim_value") for d in dims) \
            else None

    def elem_type(self, name: str) -> int | None:
        """The element type of a tensor, or of a sequence's (or optional's) tensors."""
        t = self.types.get(name)
        while kind_of(t) in ("sequence", "optional"):
            t = (t.sequence_type if kind_of(t) == "sequence" else t.optional_type).elem_type
        if kind_of(t) == "tensor" and t.tensor_type.elem_type:
            return t.tensor_type.elem_type
        els = self.elements(name)
        return self.elem_type(els[0]) if els else None

    def elements(self, name: str) -> list[str] | None:
        p = self.producer.get(name)
        if p is not None and p.op_type == "SequenceConstruct":
            return list(p.input)
        return [] if p is not None and p.op_type == "SequenceEmpty" else None

    def presence(self, name: str) -> str | None:
        """The value an optional holds ('' when empty); a tensor or sequence holds itself."""
        if not name:
            return ""
        p = self.producer.get(name)
        if p is not None and p.op_type == "Optional":
            return p.input[0] if p.input else ""
        return name if self.kind(name) in ("tensor", "sequence") else None

    def add_const(self, base: str, arr: np.ndarray, name: str | None = None) -> str:
        name = name or self.fresh(base)
        self.consts[name] = arr
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def construct(self, out: str, elements: list[str], elem_type: int | None) -> NodeProto:
        if elements:
            return helper.make_node("SequenceConstruct", elements, [out])
        return helper.make_node("SequenceEmpty", [], [out], dtype=elem_type or 1)

    def settle(self, name: str, t: TypeProto) -> None:
        """Record a type inference could not find (it keeps it in later rounds)."""
        vis = [vi for vi in self.g.value_info if vi.name != name]
        del self.g.value_info[:]
        self.g.value_info.extend(vis + [helper.make_value_info(name, t)])
        self.types[name] = t
        self.settled = True

    def inline(self, body: GraphProto, bind: dict, targets: list, tag: str) -> tuple[list, list]:
        """body's nodes to run here (scope.inline), plus Identity copies into the targets
        it does not compute itself; returns (nodes, output names)."""
        nodes, inits, results = inline(body, bind, self.fresh, tag, targets)
        for t in inits:
            self.add_const("", numpy_helper.to_array(t), name=t.name)
        for t, r in zip(targets, results):
            if t and r != t:
                nodes.append(helper.make_node("Identity", [r], [t]))
        return nodes, [t or r for t, r in zip(targets, results)]

    def wait(self, node: NodeProto, message: str, needs=()) -> None:
        self.waiting.append((node, message, [n for n in needs if n]))
        return None
