"""ModelProto (after shape inference and folding) -> IR Graph with static shapes."""
from __future__ import annotations

import re
from typing import Mapping

import onnx
from onnx import ModelProto, helper, numpy_helper

from ..errors import INFERENCE_PROBLEM, CompileError, NeedsConstant, UnknownShape
from ..ir import DType, Graph, Node, Value
from ..ir.optable import Bound, capacity_rule, type_rule_for
from ..limits import check_size
from .scope import inputs_upstream, reads
from .typecheck import check_types


def _dtype(name: str, elem_type: int) -> DType:
    try:
        return DType.from_onnx(elem_type)
    except ValueError:
        raise CompileError(f"tensor '{name}' has element type {elem_type}, "
                           "which onnx2c does not know") from None


def value_of(vi, what: str) -> Value:
    t = vi.type
    if not t.HasField("tensor_type"):
        kind = t.WhichOneof("value")
        raise CompileError(f"{what} '{vi.name}' is a {kind}; only tensors are supported",
                           reason=f"{kind} types are not supported")
    tt = t.tensor_type
    dtype = _dtype(vi.name, tt.elem_type)
    if not tt.HasField("shape"):
        raise UnknownShape(f"{what} '{vi.name}' has no known rank; "
                           "give it a shape with --shape", reason="unknown shape")
    dims = []
    for axis, d in enumerate(tt.shape.dim):
        if not d.HasField("dim_value") or d.dim_value < 0:
            sym = d.dim_param or "?"
            hint = (f"pin it with --shape {vi.name}=..." if what == "graph input"
                    else "pin the graph inputs' dimensions with --shape")
            raise UnknownShape(f"{what} '{vi.name}' has unknown dimension '{sym}' at axis {axis}; "
                               f"{hint}", reason="symbolic or unknown dimension")
        dims.append(d.dim_value)
    check_size(f"{what} '{vi.name}'", dims, tt.elem_type)
    return Value(vi.name, dtype, tuple(dims))


_SAME_SHAPE = {"Cast", "CastLike", "Identity", "Neg", "Abs", "Exp", "Log", "Sqrt", "Relu",
               "Sigmoid", "Tanh"}


def is_static(vi) -> bool:
    t = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
    return bool(t and t.HasField("shape") and
                all(d.HasField("dim_value") and d.dim_value >= 0 for d in t.shape.dim))


def schema_defaults(op_type: str, version: int, domain: str) -> dict:
    try:
        schema = onnx.defs.get_schema(op_type, version, domain)
    except Exception:
        return {}
    out = {}
    for name, a in schema.attributes.items():
        if a.default_value is not None and a.default_value.name:
            out[name] = _decode(helper.get_attribute_value(a.default_value))
    return out


def _decode(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, list):
        return [_decode(x) for x in v]
    if isinstance(v, onnx.TensorProto):
        return numpy_helper.to_array(v)
    return v


def opset_versions(m: ModelProto) -> dict[str, int]:
    return {("" if o.domain == "ai.onnx" else o.domain): o.version for o in m.opset_import}


def node_from_proto(n, opsets: Mapping[str, int], idx: int, used_names: set[str]) -> Node:
    """The IR node of NodeProto n (the idx-th of its graph), its attributes decoded over
    the schema's defaults and its name made unique among used_names (which it joins)."""
    domain = "" if n.domain == "ai.onnx" else n.domain
    version = opsets.get(domain, 1)
    base = n.name or f"{n.op_type}_{idx}"
    name = base if base not in used_names else f"{base}_{idx}"
    used_names.add(name)
    attrs = schema_defaults(n.op_type, version, domain)
    attrs.update({a.name: _decode(helper.get_attribute_value(a)) for a in n.attribute})
    # values a subgraph reads from this scope become trailing inputs, so liveness,
    # ordering and dead-code removal see them (ops/control.py)
    return Node(name, n.op_type, domain, version, reads(n, keep_empty=True), list(n.output),
                attrs)


def constant_value(init) -> Value:
    dtype = _dtype(init.name, init.data_type)
    try:
        arr = numpy_helper.to_array(init)
    except Exception as e:      # frontend.tensors checks what it can before this
        raise CompileError(f"tensor '{init.name}' cannot be read: {e}",
                           reason="bad tensor data") from None
    return Value(init.name, dtype, tuple(arr.shape), arr)


def has_onnx_inference(op_type: str, domain: str, version: int) -> bool:
    """Whether ONNX's own shape inference knows how to type this op's outputs."""
    try:
        return onnx.defs.get_schema(op_type, version, domain).has_type_and_shape_inference_function
    except Exception:       # not a schema ONNX knows (contrib ops, custom domains)
        return False


def _check_typable(node: Node) -> None:
    """An output ONNX cannot type and no rule of onnx2c's types is not a matter of
    run-time values: say so rather than suggest freezing an input."""
    if type_rule_for(node.domain, node.op_type) is None and \
            not has_onnx_inference(node.op_type, node.domain, node.version):
        dom = f" (domain '{node.domain}')" if node.domain else ""
        raise UnknownShape(f"onnx2c has no shape rule for {node.op_type}{dom}, and ONNX shape "
                           "inference does not type it", node,
                           reason=f"{node.op_type}: no shape rule")


# ops whose input 0 is a size, a count or a condition rather than data
_SIZED_BY_INPUT_0 = {"ConstantOfShape", "Range", "BlackmanWindow", "HannWindow",
                     "HammingWindow", "MelWeightMatrix", "If", "Loop"}


def _shape_deciding_inputs(g, node, values: dict) -> list[str]:
    """Graph inputs upstream of node: the run-time values its unknown output shape may need.

    Those behind its inputs after the first (input 0 is the data of Reshape, Expand,
    Tile, Pad, Slice, Resize ...; freezing data says nothing about a shape), or behind
    input 0 too for ops whose first input is a size, or that reads a value whose size
    depends on run-time data (NonZero's output); of those the integer-typed ones if
    there are any, since shapes, axes and counts are integers. The driver tries the
    advice before giving it (advice.py)."""
    found = inputs_upstream(g, [i for i in node.input[1:] if i])
    if not found and (node.op_type in _SIZED_BY_INPUT_0 or
                      any(i in values and values[i].bounded for i in node.input)):
        found = inputs_upstream(g, [i for i in node.input if i])
    types = {i.name: i.type.tensor_type.elem_type for i in g.input}
    ints = [n for n in found if types[n] in (onnx.TensorProto.INT64, onnx.TensorProto.INT32)]
    return ints or found


def _unknown(node: Node, o: str, what: str) -> UnknownShape:
    """The error for output o of node, whose shape stays unknown (what: how it is)."""
    problem = INFERENCE_PROBLEM.get()
    return UnknownShape(f"the shape of '{o}' {what}" +
                        (f"; ONNX shape inference says {problem}" if problem else ""),
                        node, reason=f"{node.op_type}: output shape not inferred")


def _negative(vi) -> list[int] | None:
    """The dims of vi if one is negative (inference computed them from bad attributes or
    constants: a Pad cropping more than there is, a TopK of k = -1)."""
    t = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
    dims = [d.dim_value for d in t.shape.dim] if t is not None and t.HasField("shape") else []
    return dims if any(d < 0 for d in dims) else None


def _capacities(node: Node, values: dict, overrides: Mapping[str, int], used: set) -> list:
    """Per output of node: its shape from the op's capacity rule (Bound dims where it
    depends on run-time values, lowered to a --capacity the user gave), or None."""
    rule = capacity_rule(node)
    named = [o for o in node.outputs if o in overrides]
    if rule is None:
        if named:
            raise CompileError(f"--capacity names '{named[0]}', but onnx2c cannot bound the "
                               f"output of {node.op_type}; pass --freeze for the inputs its "
                               "size depends on", node, reason="no capacity rule")
        return [None] * len(node.outputs)
    caps = list(rule(node, values)) + [None] * len(node.outputs)
    # the outputs of one node share their data-dependent count (Unique's Y and counts,
    # TopK's values and indices), so a capacity given for one bounds them all
    n = min((overrides[o] for o in named), default=None)
    if n is not None and any(isinstance(d, Bound) for c in caps if c for d in c):
        used.update(named)
        caps = [c if c is None else tuple(Bound(min(n, d)) if isinstance(d, Bound) else d
                                          for d in c) for c in caps]
    return caps[:len(node.outputs)]


def _shape_of(node: Node, o: str, values: dict) -> str:
    """What output o's unknown shape depends on, for the error."""
    sized = [i for i in node.inputs if i in values and values[i].bounded]
    return f"the shape of '{o}'" if not sized else \
        (f"the shape of '{o}' (it follows the size of '{sized[0]}', which only the run knows; "
         "onnx2c supports such values only as graph outputs)")


def _check_overrides(overrides: Mapping[str, int], used: set, values: dict) -> None:
    for name in set(overrides) - used:
        what = "which is not a value of the model" if name not in values else \
            "whose size does not depend on run-time values"
        raise CompileError(f"--capacity names '{name}', {what}")


def import_graph(m: ModelProto, capacity: Mapping[str, int] | None = None) -> Graph:
    g = m.graph
    opsets = opset_versions(m)
    values = {init.name: constant_value(init) for init in g.initializer}
    inputs = [i.name for i in g.input if i.name not in values]
    for vi in g.input:
        if vi.name not in values:
            values[vi.name] = value_of(vi, "graph input")
    # inferred types win over what the file declares for its outputs, except where
    # inference could not settle a shape that the declaration pins (a graph output whose
    # shape depends on a run-time input, e.g. Reduce* with axes given at run time)
    known = {vi.name: vi for vi in list(g.output) + list(g.value_info)}
    for vi in g.output:
        if not is_static(known[vi.name]) and is_static(vi) and \
                known[vi.name].type.tensor_type.elem_type == vi.type.tensor_type.elem_type:
            known[vi.name] = vi
    # and such a shape carries back through shape-preserving unary ops to the value they
    # read (a Reduce* of a function body, whose Log/Sqrt/Cast chain ends in the output)
    for n in reversed(g.node):
        if n.op_type not in _SAME_SHAPE or n.domain not in ("", "ai.onnx") or not n.input:
            continue
        src, dst = known.get(n.input[0]), known.get(n.output[0])
        if src and dst and not is_static(src) and is_static(dst):
            known[src.name] = helper.make_tensor_value_info(
                src.name, src.type.tensor_type.elem_type,
                [d.dim_value for d in dst.type.tensor_type.shape.dim])
    nodes = []
    used_names: set[str] = set()
    used: set[str] = set()          # --capacity names applied
    read = {i for n in g.node for i in reads(n)} | {o.name for o in g.output}
    for idx, n in enumerate(g.node):
        node = node_from_proto(n, opsets, idx, used_names)
        caps = _capacities(node, values, capacity or {}, used)
        for k, o in enumerate(n.output):
            if not o or o in values:
                continue
            if o not in read and (o not in known or not is_static(known[o])):
                node.outputs[k] = ""    # nobody reads it, so its shape does not matter
                continue
            if caps[k] is not None and o in known:
                values[o] = Value(o, _dtype(o, known[o].type.tensor_type.elem_type),
                                  tuple(map(int, caps[k])),
                                  bounded=any(isinstance(d, Bound) for d in caps[k]))
                continue
            if o in known and _negative(known[o]):
                raise CompileError(f"its output '{o}' would have dims {_negative(known[o])}; "
                                   "check the node's attributes and constant inputs", node,
                                   reason=f"{n.op_type}: negative output dimension")
            if o not in known:
                _check_typable(node)
                ups = _shape_deciding_inputs(g, n, values)
                if ups:
                    raise NeedsConstant(ups, node, _shape_of(node, o, values))
                raise _unknown(node, o, "is unknown after shape inference")
            try:
                values[o] = value_of(known[o], "value")
            except CompileError as e:
                _check_typable(node)
                ups = _shape_deciding_inputs(g, n, values)
                if ups:
                    raise NeedsConstant(ups, node, _shape_of(node, o, values)) from None
                if isinstance(e, UnknownShape):
                    raise _unknown(node, o, "cannot be computed at compile time") from None
                raise CompileError(str(e), node, reason=e.reason) from None
        nodes.append(node)
    outputs = [o.name for o in g.output]
    for o in g.output:
        if o.name not in values:
            values[o.name] = value_of(o, "graph output")
    _check_overrides(capacity or {}, used, values)
    name = re.sub(r"\W", "_", g.name or "model")
    graph = Graph(name, inputs, outputs, values, nodes, opsets)
    check_types(graph)
    return graph
